/**
 * The state database (`<state>/apt-dht.db`): sqlite through `node:sqlite`,
 * in WAL mode so readers never wait for the writer, with its schema brought
 * up to date before anyone uses it.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { migrate } from "./migrate.ts";

/** File name of the database inside the state directory. */
export const DATABASE_FILE = "apt-dht.db";

/** Opens (creating when needed) and migrates the database at `path`; ":memory:" for tests. */
export function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  // First: a process that still closes the database (a daemon restarted, its ingest worker
  // finishing) holds it a moment, and switching to WAL must wait for it rather than fail.
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL"); // durable at checkpoints; a crash loses at most the last commits
  db.exec("PRAGMA foreign_keys = ON");
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
