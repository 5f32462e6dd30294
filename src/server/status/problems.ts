/**
 * Conditions the status page shows until they clear (the disk is full, …),
 * one per kind, kept from the first time they were seen.
 *
 * @module
 */

import type { Problem } from "./snapshot.ts";

/** The problems a daemon has now, by kind. */
export class Problems {
  readonly #current = new Map<string, Problem>();

  /** Records `problem` under `kind`; false (and nothing changes) when it is already known. */
  raise(kind: string, problem: Problem): boolean {
    if (this.#current.has(kind)) return false;
    this.#current.set(kind, problem);
    return true;
  }

  /** The condition has cleared. */
  clear(kind: string): void {
    this.#current.delete(kind);
  }

  /** What the status page lists. */
  all(): Problem[] {
    return [...this.#current.values()];
  }
}

/** The disk holding the cache is full: apt still gets its files, from memory. */
export function diskFullProblem(directory: string, error: Error, now = Date.now()): Problem {
  return {
    what: "Disk full",
    detail: `Nothing more can be written to ${directory}: files still reach apt ` +
      `(from memory) but are not cached until space is freed (${error.message}).`,
    since: now,
  };
}
