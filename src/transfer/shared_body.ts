/**
 * The body of one download as its readers see it: any number of readers,
 * each at its own pace, reading the live attempt as it grows.
 *
 * Invariants:
 * - A reader never gets a byte past `available`: the live attempt's bytes
 *   minus what it holds back until the file verified.
 * - When a transfer restarts (a mirror's 200 to a resume, the next source
 *   after a mismatch), the new attempt is compared with what readers were
 *   already given before it becomes live; a reader that received a byte of
 *   the old attempt that differs is cut off rather than given a spliced
 *   file. Readers that had not got that far (or start later) go on. An
 *   attempt that agreed with the one it replaced passes its readers on: a
 *   reader is bound by the earliest difference along the replacements.
 *
 * @module
 */

import { UpstreamError } from "../fetch/mod.ts";
import type { Logger } from "../log/mod.ts";
import { waitForChange } from "../util/change_signal.ts";
import type { Attempt } from "./attempt.ts";
import { READ_CHUNK } from "./constants.ts";

/** What a shared body needs around it. */
export interface SharedBodyOptions {
  readonly key: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Settles once the download ended (a committed attempt's file has then moved). */
  readonly done: () => Promise<unknown>;
  /** The disk filled up under an attempt: it goes on in memory. */
  readonly onDiskFull: (attempt: Attempt, error: Error) => void;
}

export class SharedBody {
  #live: Attempt | undefined; // the attempt readers read from
  #available = 0; // bytes of #live that readers may have
  #exposed = 0; // the furthest offset any reader was given
  /** Per replaced attempt, the first offset where its successor differs from it. */
  readonly #differsAt = new WeakMap<Attempt, number>();
  /** Per replaced attempt, the one that replaced it: readers of the old one read on in it. */
  readonly #successor = new WeakMap<Attempt, Attempt>();
  #finished = false;
  #failure: Error | undefined;
  readonly #change = waitForChange();

  constructor(private readonly options: SharedBodyOptions) {}

  /** The attempt readers read from. */
  get live(): Attempt | undefined {
    return this.#live;
  }

  /**
   * A stream of bytes `[start, end)` of the file, delivered as they arrive
   * and are safe to give out. Errors if the download fails.
   */
  stream(start = 0, end = Infinity): ReadableStream<Uint8Array> {
    return this.#reader(start, end, false);
  }

  /**
   * Bytes `[start, end)` as the live attempt received them, verified or not:
   * what a peer that follows this download gets (it holds them back until
   * its own copy verified). Errors if the download fails or its transfer
   * restarts (the bytes given may not be the next attempt's).
   */
  streamReceived(start = 0, end = Infinity): ReadableStream<Uint8Array> {
    return this.#reader(start, end, true);
  }

  #reader(start: number, end: number, received: boolean): ReadableStream<Uint8Array> {
    let offset = start;
    let boundTo: Attempt | undefined; // a received-bytes reader reads one attempt only
    let file: Deno.FsFile | undefined;
    let fileOf: Attempt | undefined;
    let readFrom: Attempt | undefined; // the attempt this reader's last bytes came from
    const close = () => {
      file?.close();
      file = undefined;
    };
    const deliver = (part: Uint8Array, from: Attempt) => {
      offset += part.byteLength;
      readFrom = from;
      // A follower's reader is cut off at a restart: what it got binds no later attempt.
      if (!received && offset > this.#exposed) this.#exposed = offset;
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (true) {
          if (readFrom && offset > this.#agreesUpTo(readFrom)) {
            close();
            return controller.error(
              new UpstreamError(this.options.key, "mismatch", "content changed mid-transfer"),
            );
          }
          if (received && (this.#failure || (boundTo && this.#live !== boundTo))) {
            close();
            return controller.error(
              this.#failure ??
                new UpstreamError(this.options.key, "interrupted", "transfer restarted"),
            );
          }
          if (offset >= end || (this.#finished && offset >= this.#available)) {
            close();
            return controller.close();
          }
          const live = this.#live;
          if (received) boundTo ??= live;
          const limit = received ? (live?.written ?? 0) : this.#available;
          const want = Math.min(limit - offset, end - offset, READ_CHUNK);
          if (want > 0 && live?.held) {
            close(); // the file is gone: the disk was full
            const part = live.held.read(offset, want);
            deliver(part, live);
            controller.enqueue(part.slice()); // a copy: the response may outlive the download
            return;
          }
          if (want > 0 && live) {
            if (fileOf !== live) {
              close();
              fileOf = live;
              file = await this.#open(live);
              continue; // the attempt may have failed or been replaced meanwhile: look again
            }
            const buffer = new Uint8Array(want);
            await file!.seek(offset, Deno.SeekMode.Start);
            const n = await file!.read(buffer);
            if (n === null || n === 0) {
              throw new Error(`short read at ${offset} of ${this.options.key}`);
            }
            const part = n === want ? buffer : buffer.subarray(0, n);
            deliver(part, live);
            controller.enqueue(part);
            return;
          }
          if (this.#failure) {
            close();
            return controller.error(this.#failure);
          }
          await this.#change.wait();
        }
      },
      cancel: close,
    }, { highWaterMark: 0 });
  }

  /** A new attempt starts; readers pause until it has caught up with what they were given. */
  async begin(attempt: Attempt): Promise<void> {
    const previous = this.#live;
    this.#available = 0; // a restart gives out nothing until compared with what readers have
    if (!previous || this.#exposed === 0) {
      this.#live = attempt;
      if (previous) await previous.remove();
    }
  }

  /**
   * Writes a response body into the attempt, comparing with the previous
   * attempt where readers saw it. A body that ends before `expectedEnd` (the
   * declared length) is an interruption, whatever the HTTP client made of it.
   */
  async pump(
    attempt: Attempt,
    body: ReadableStream<Uint8Array>,
    expectedEnd: number | undefined,
    label: string,
  ): Promise<void> {
    const previous = this.#live !== attempt ? this.#live : undefined;
    const compareFile = await previous?.openFile();
    try {
      for await (const chunk of body) {
        if (expectedEnd !== undefined && attempt.written + chunk.byteLength > expectedEnd) {
          throw new UpstreamError(label, "mismatch", `body longer than ${expectedEnd} bytes`);
        }
        if (previous && this.#live !== attempt) {
          await this.#compareWithPrevious(attempt, previous, compareFile, chunk);
        }
        const diskFull = await attempt.append(chunk, label);
        if (diskFull) this.options.onDiskFull(attempt, diskFull);
        if (this.#live === attempt) {
          this.#available = attempt.releasable;
        } else if (attempt.written >= this.#exposed) {
          this.#switchTo(attempt, previous!);
        }
        this.#change.notify();
      }
      if (this.options.signal.aborted) {
        throw new UpstreamError(label, "cancelled", "download aborted");
      }
      if (expectedEnd !== undefined && attempt.written < expectedEnd) {
        throw new UpstreamError(
          label,
          "interrupted",
          `body ended at byte ${attempt.written} of ${expectedEnd}`,
        );
      }
      if (this.#live !== attempt) {
        // Shorter than what readers saw: those who read past its end got bytes it does not have.
        this.#differsAt.set(previous!, attempt.written);
        this.#switchTo(attempt, previous!);
      }
    } finally {
      compareFile?.close();
    }
  }

  /** Everything of `attempt` may now be read: the file verified (or there is nothing to come). */
  finish(attempt?: Attempt): void {
    this.#finished = true;
    if (attempt) this.#available = attempt.written;
    this.#change.notify();
  }

  /** Drops a failed attempt; the live one's file stays until a next attempt was compared with it. */
  async discard(attempt: Attempt): Promise<void> {
    if (this.#live === attempt) this.#available = 0;
    else await attempt.remove();
  }

  /** The download failed: readers get `error` once they have read what they may. */
  fail(error: Error): void {
    this.#failure = error;
    this.#live?.remove();
    this.#change.notify();
  }

  async #compareWithPrevious(
    attempt: Attempt,
    previous: Attempt,
    file: Deno.FsFile | undefined,
    chunk: Uint8Array,
  ) {
    const from = attempt.written;
    const upto = Math.min(from + chunk.byteLength, this.#exposed);
    if (from >= upto) return;
    const old = await previous.readRange(from, upto - from, file);
    const got = old.length;
    for (let i = 0; i < got; i++) {
      if (old[i] !== chunk[i]) {
        this.#differsAt.set(previous, from + i);
        this.options.log.warn("download.restart_differs", {
          key: this.options.key,
          offset: from + i,
        });
        this.#switchTo(attempt, previous);
        return;
      }
    }
  }

  /**
   * How far `from` agrees with the live attempt: each replacement agreed
   * with its predecessor up to where it differs, so a reader of an attempt
   * two replacements back is bound by the earliest difference on the way.
   */
  #agreesUpTo(from: Attempt): number {
    let upTo = Infinity;
    for (let at: Attempt | undefined = from; at; at = this.#successor.get(at)) {
      upTo = Math.min(upTo, this.#differsAt.get(at) ?? Infinity);
    }
    return upTo;
  }

  #switchTo(attempt: Attempt, previous: Attempt): void {
    this.#successor.set(previous, attempt);
    this.#live = attempt;
    this.#available = attempt.releasable;
    this.#change.notify();
    previous.remove();
  }

  /** Opens an attempt's file; undefined when a newer attempt replaced it (its file is gone). */
  async #open(attempt: Attempt): Promise<Deno.FsFile | undefined> {
    try {
      return await Deno.open(attempt.path, { read: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      if (this.#live !== attempt) return undefined;
      await this.options.done(); // committed: renamed into the cache, and its path updated
      return await Deno.open(attempt.path, { read: true });
    }
  }
}
