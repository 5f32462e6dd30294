/**
 * The cache: the directory tree of verified files, its records, and the
 * state database they live in.
 *
 * @module
 */
export * from "./database.ts";
export * from "./store.ts";
