/**
 * The `hash_failures` table: content that arrived and did not match the
 * hash it had to have, with where it came from, for the status page (an
 * administrator's first clue to a bad mirror or peer).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** One failed check. */
export interface HashFailure {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** The cache key the content was for. */
  readonly path: string;
  /** Where it came from (a mirror or peer URL). */
  readonly source: string;
  readonly reason: string;
}

/** Prepared statements over `hash_failures`. */
export class HashFailures {
  readonly #put: StatementSync;
  readonly #recent: StatementSync;

  constructor(db: DatabaseSync) {
    this.#put = db.prepare(
      "INSERT INTO hash_failures (at, path, source, reason) VALUES (?, ?, ?, ?)",
    );
    // rowid order is insertion order, even when the clock went back.
    this.#recent = db.prepare(
      "SELECT at, path, source, reason FROM hash_failures ORDER BY rowid DESC LIMIT ?",
    );
  }

  record(failure: HashFailure): void {
    this.#put.run(failure.at, failure.path, failure.source, failure.reason);
  }

  /** The last `limit` failures, newest first. */
  recent(limit: number): HashFailure[] {
    return (this.#recent.all(limit) as unknown as HashFailure[]).map((row) => ({ ...row }));
  }
}
