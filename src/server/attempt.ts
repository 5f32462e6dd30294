/**
 * One attempt of a download: the bytes one source sent, in a temp file
 * under `<cache>/.partial/` (or, once the disk was full, in memory), and
 * their running hash. The Download decides which attempt readers read.
 *
 * @module
 */

import type { CacheStore, PartialFile } from "../cache/mod.ts";
import { UpstreamError } from "../fetch/mod.ts";
import { ContentHasher, type ExpectedFile, PIECE_BYTES } from "../hash/mod.ts";
import { writeAll } from "../util/write_all.ts";
import { HeldBytes, isDiskFull } from "./held_bytes.ts";

/** With the disk full, files up to this size are still streamed, from memory. */
const MAX_HELD_BYTES = 1024 * 1024 * 1024;
const READ_CHUNK = 256 * 1024;

export class Attempt {
  /** Where readers open it: the temp path, then the committed path. */
  path: string;
  written = 0;
  /** The whole file in memory, once the disk was full: readers read it here, nothing is cached. */
  held?: HeldBytes;

  private constructor(
    readonly id: number,
    readonly partial: PartialFile,
    readonly hasher: ContentHasher,
    /** Bytes kept from readers until the file verified (1 for mirrors with a known hash, all for peers). */
    readonly holdBack: number,
  ) {
    this.path = partial.path;
  }

  /** A new attempt with its temp file. */
  static async begin(
    id: number,
    cache: CacheStore,
    expected: ExpectedFile | undefined,
    holdBack: number,
  ): Promise<Attempt> {
    // Piece hashes only for files that may be large enough to be fetched in pieces.
    const hasher = new ContentHasher(expected, (expected?.size ?? Infinity) > PIECE_BYTES);
    return new Attempt(id, await cache.createPartial(), hasher, holdBack);
  }

  /**
   * Appends a chunk (not yet hashed or counted: the caller does). Returns the
   * error when the disk just filled up and the attempt moved to memory.
   */
  async write(chunk: Uint8Array, url: string): Promise<Error | undefined> {
    let diskFull: Error | undefined;
    if (!this.held) {
      try {
        await writeAll(this.partial.file, chunk);
        return undefined;
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        diskFull = error as Error;
        await this.holdInMemory();
      }
    }
    if (this.held!.size + chunk.byteLength > MAX_HELD_BYTES) {
      throw new UpstreamError(url, "interrupted", "disk full, and the file is too large to hold");
    }
    this.held!.append(chunk);
    return diskFull;
  }

  /** Moves the bytes written so far to memory and removes the temp file. */
  async holdInMemory(): Promise<void> {
    const held = new HeldBytes();
    const file = await Deno.open(this.partial.path, { read: true });
    try {
      let at = 0;
      while (at < this.written) {
        const buffer = new Uint8Array(Math.min(READ_CHUNK, this.written - at));
        const n = await file.read(buffer);
        if (n === null) throw new Error(`temp file ended at ${at} of ${this.written}`);
        held.append(buffer.subarray(0, n));
        at += n;
      }
    } finally {
      file.close();
    }
    this.held = held;
    await this.remove();
  }

  /** Up to `length` bytes from `from`: from memory, or through `file` (this attempt's, opened). */
  async readRange(from: number, length: number, file?: Deno.FsFile): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let got = 0;
    if (this.held) {
      while (got < length) {
        const part = this.held.read(from + got, length - got);
        if (part.byteLength === 0) break;
        out.set(part, got);
        got += part.byteLength;
      }
    } else if (file) {
      await file.seek(from, Deno.SeekMode.Start);
      while (got < length) {
        const n = await file.read(out.subarray(got));
        if (n === null) break;
        got += n;
      }
    }
    return out.subarray(0, got);
  }

  /** Opens the file for reading (undefined when the bytes are in memory). */
  async openFile(): Promise<Deno.FsFile | undefined> {
    return this.held ? undefined : await Deno.open(this.path, { read: true });
  }

  /** Closes and deletes the temp file (a committed file has moved away and stays). */
  async remove(): Promise<void> {
    try {
      this.partial.file.close();
    } catch { /* already closed */ }
    await Deno.remove(this.partial.path).catch(() => {});
  }
}
