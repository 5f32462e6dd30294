/**
 * The downloads in progress, by cache key and by expected SHA-256: one
 * transfer per file however many ask for it, and two names of one content
 * (a by-hash path and its canonical name, an alias and its host) share it
 * too. A download leaves the registry when it ends, committed or not.
 *
 * @module
 */

import type { Download } from "./download.ts";

/** What the registry needs of a download: when it ends, and how to stop it. */
export type Ongoing = Pick<Download, "done" | "abort">;

/** The downloads in progress. */
export class ActiveDownloads<D extends Ongoing = Download> {
  readonly #byKey = new Map<string, D>();
  readonly #bySha256 = new Map<string, D>();

  /** Downloads in progress. */
  get size(): number {
    return this.#byKey.size;
  }

  /** The download of `key`, or of the same content under another key. */
  find(key: string, sha256?: string): D | undefined {
    return this.#byKey.get(key) ?? (sha256 ? this.#bySha256.get(sha256) : undefined);
  }

  /** The download of this content, under whatever key. */
  withSha256(sha256: string): D | undefined {
    return this.#bySha256.get(sha256);
  }

  /** Whether a download of exactly `key` is in progress. */
  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** Registers `download` of `key` (and its content's SHA-256) until it ends. */
  add(key: string, download: D, sha256?: string): void {
    this.#byKey.set(key, download);
    if (sha256) this.#bySha256.set(sha256, download);
    download.done.finally(() => {
      if (this.#byKey.get(key) === download) this.#byKey.delete(key);
      if (sha256 && this.#bySha256.get(sha256) === download) this.#bySha256.delete(sha256);
    }).catch(() => {}); // its failure is its readers' to see
  }

  /** Forgets `download` under `key` now (a revalidation whose answer this key could not use). */
  forget(key: string, download: D): void {
    if (this.#byKey.get(key) === download) this.#byKey.delete(key);
  }

  /** Resolves when every download in progress (and any started meanwhile) has ended. */
  async idle(): Promise<void> {
    while (this.#byKey.size) {
      await Promise.allSettled([...this.#byKey.values()].map((d) => d.done));
    }
  }

  /** Aborts every download in progress (shutdown); none of them is committed. */
  abortAll(reason: string): void {
    for (const download of this.#byKey.values()) download.abort(reason);
  }
}
