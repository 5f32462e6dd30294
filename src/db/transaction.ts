/**
 * One transaction around a batch of statements: either all of them land or
 * none does.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** Runs `fn` inside one transaction; rolls back and rethrows on error. */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
