/**
 * Announces shared files (the cache's `extra_directories`, e.g. apt's own
 * archives) once a trusted index lists them, like cached files. Indexes
 * arrive in bursts (apt-get update), so matching waits for a quiet moment
 * and runs once per burst.
 *
 * @module
 */

import type { Logger } from "../log/mod.ts";

/** What the matcher needs from the daemon. */
export interface SharedMatcherDeps {
  /** The files found in the shared directories. */
  readonly shared: { sharedFiles(): readonly { readonly sha256: string }[] };
  /** The tracked indexes: which of these digests a trusted index lists. */
  readonly index: { trustedAmong(sha256s: readonly string[]): ReadonlySet<string> };
  readonly log: Logger;
  /** Announces a trusted shared file by SHA-256. */
  readonly announce: (sha256: string) => void;
}

/** Matches shared files against the trusted indexes, once per burst of news. */
export class SharedMatcher {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    private readonly deps: SharedMatcherDeps,
    /** False when no shared directory is configured: nothing to match. */
    private readonly enabled: boolean,
    /** Wait after the first news of a burst. */
    private readonly delayMs: number,
  ) {}

  /** An index was read or the shared directories were scanned: match soon. */
  schedule(): void {
    if (!this.enabled || this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#match();
    }, this.delayMs);
  }

  /** Cancels a pending match, and any later one (shutdown: the database is closing). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #match(): void {
    const { shared, index, log, announce } = this.deps;
    try {
      const files = shared.sharedFiles();
      const trusted = index.trustedAmong(files.map((f) => f.sha256));
      for (const sha256 of trusted) announce(sha256);
      if (trusted.size) {
        log.info("cache.shared_matched", { files: files.length, announced: trusted.size });
      }
    } catch (error) {
      log.warn("cache.shared_match_failed", { error });
    }
  }
}
