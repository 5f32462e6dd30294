/**
 * The cache: the directory tree of verified files, its records in the state
 * database, and their upkeep (scan, eviction).
 *
 * @module
 */
// The database moved to db/; re-exported while callers move.
export { DATABASE_FILE, openDatabase } from "../db/mod.ts";
export * from "./store.ts";
export * from "./scan.ts";
export * from "./eviction.ts";
export * from "./keeper.ts";
export * from "./shared_dirs.ts";
