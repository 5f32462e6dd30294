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
    // sqlite may have rolled back already (a full disk, an I/O error): the
    // caller needs the error that caused it, not "no transaction is active".
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
