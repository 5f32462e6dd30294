/**
 * One attempt of a download: the bytes one source sent, in a temp file
 * under `<cache>/.partial/` (or, once the disk was full, in memory), their
 * running hash and count, and the way into the cache. The shared body
 * decides which attempt readers read.
 *
 * @module
 */

import type { CachedFile, CacheStore, CommitMeta, PartialFile } from "../cache/mod.ts";
import { UpstreamError } from "../fetch/mod.ts";
import { ContentHasher, type ExpectedFile, PIECE_BYTES, type PieceList } from "../hash/mod.ts";
import { writeAll } from "../util/write_all.ts";
import { MAX_HELD_BYTES, READ_CHUNK } from "./constants.ts";
import { HeldBytes, isDiskFull } from "./held_bytes.ts";

/** What an attempt needs of the cache. */
export type AttemptCache = Pick<CacheStore, "createPartial" | "commit">;

export class Attempt {
  #path: string;
  #written = 0;
  /** Where bytes from peers begin: from there on, nothing reaches readers before the file verified. */
  #peerBytesFrom = Infinity;
  #held: HeldBytes | undefined;
  #committed = false;
  readonly #hasher: ContentHasher;

  private constructor(
    readonly id: number,
    private readonly partial: PartialFile,
    expected: ExpectedFile | undefined,
    /** Bytes kept from readers until the file verified (1 for mirrors with a known hash, all for peers). */
    readonly holdBack: number,
  ) {
    this.#path = partial.path;
    // Piece hashes only for files that may be large enough to be fetched in pieces.
    this.#hasher = new ContentHasher(expected, (expected?.size ?? Infinity) > PIECE_BYTES);
  }

  /** A new attempt with its temp file. */
  static async begin(
    id: number,
    cache: AttemptCache,
    expected: ExpectedFile | undefined,
    holdBack: number,
  ): Promise<Attempt> {
    return new Attempt(id, await cache.createPartial(), expected, holdBack);
  }

  /** Where readers open it: the temp path, then the committed path. */
  get path(): string {
    return this.#path;
  }

  /** Bytes received so far. */
  get written(): number {
    return this.#written;
  }

  /**
   * Bytes readers may have before the file verified: all but the held-back
   * tail, and none from where a peer's bytes begin (a download that turned
   * from the mirror to a peer part-way).
   */
  get releasable(): number {
    return Math.max(0, Math.min(this.#written - this.holdBack, this.#peerBytesFrom));
  }

  /** No byte came from a peer (all from the mirror). */
  get clean(): boolean {
    return this.#peerBytesFrom === Infinity && this.holdBack !== Infinity;
  }

  /** Bytes from `offset` on come from a peer: readers get none of them before the file verified. */
  markPeerBytesFrom(offset: number): void {
    this.#peerBytesFrom = Math.min(this.#peerBytesFrom, offset);
  }

  /** The whole file in memory, once the disk was full: readers read it here, nothing is cached. */
  get held(): HeldBytes | undefined {
    return this.#held;
  }

  /**
   * Appends a chunk: written, hashed and counted. Returns the error when the
   * disk just filled up and the attempt moved to memory.
   */
  async append(chunk: Uint8Array, label: string): Promise<Error | undefined> {
    const diskFull = await this.#store(chunk, label);
    this.#hasher.update(chunk);
    this.#written += chunk.byteLength;
    return diskFull;
  }

  async #store(chunk: Uint8Array, label: string): Promise<Error | undefined> {
    let diskFull: Error | undefined;
    if (!this.#held) {
      try {
        await writeAll(this.partial.file, chunk);
        return undefined;
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        diskFull = error as Error;
        await this.holdInMemory();
      }
    }
    if (this.#held!.size + chunk.byteLength > MAX_HELD_BYTES) {
      throw new UpstreamError(label, "interrupted", "disk full, and the file is too large to hold");
    }
    this.#held!.append(chunk);
    return diskFull;
  }

  /** Whether the bytes match what the index expects (ends the hashing). */
  verdict(): { ok: true } | { ok: false; reason: string } {
    return this.#hasher.verdict();
  }

  /** Hex SHA-256 of the bytes (after the verdict). */
  sha256(): string {
    return this.#hasher.sha256();
  }

  /** The piece list of the bytes, when pieces were hashed (after the verdict). */
  pieceList(): PieceList | undefined {
    return this.#hasher.pieceList();
  }

  /**
   * Moves the verified file into the cache as `key`; readers then open it
   * there. Throws when the cache cannot take it (the bytes stay readable).
   */
  async commit(cache: AttemptCache, key: string, meta: CommitMeta): Promise<CachedFile> {
    const file = await cache.commit(this.partial, key, meta);
    this.#path = file.path;
    this.#committed = true;
    return file;
  }

  /** Moves the bytes written so far to memory and removes the temp file. */
  async holdInMemory(): Promise<void> {
    const held = new HeldBytes();
    const file = await Deno.open(this.partial.path, { read: true });
    try {
      let at = 0;
      while (at < this.#written) {
        const buffer = new Uint8Array(Math.min(READ_CHUNK, this.#written - at));
        const n = await file.read(buffer);
        if (n === null) throw new Error(`temp file ended at ${at} of ${this.#written}`);
        held.append(buffer.subarray(0, n));
        at += n;
      }
    } finally {
      file.close();
    }
    this.#held = held;
    await this.remove();
  }

  /** Up to `length` bytes from `from`: from memory, or through `file` (this attempt's, opened). */
  async readRange(from: number, length: number, file?: Deno.FsFile): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let got = 0;
    if (this.#held) {
      while (got < length) {
        const part = this.#held.read(from + got, length - got);
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
    return this.#held ? undefined : await Deno.open(this.#path, { read: true });
  }

  /** Done writing: the temp file is closed, and removed unless it was committed or is in memory. */
  async close(): Promise<void> {
    if (this.#held) return;
    this.partial.file.close();
    if (!this.#committed) await Deno.remove(this.partial.path).catch(() => {});
  }

  /** Closes and deletes the temp file (a committed file has moved away and stays). */
  async remove(): Promise<void> {
    try {
      this.partial.file.close();
    } catch { /* already closed */ }
    await Deno.remove(this.partial.path).catch(() => {});
  }
}
