/**
 * The state database (`<state>/apt-dht.db`): sqlite through `node:sqlite`,
 * in WAL mode so readers never wait for the writer. Each part creates its
 * own tables; this file only opens the file and runs transactions.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** File name of the database inside the state directory. */
export const DATABASE_FILE = "apt-dht.db";

/** Opens (creating when needed) the database at `path`; ":memory:" for tests. */
export function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL"); // durable at checkpoints; a crash loses at most the last commits
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = ON");
  return db;
}

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
