/**
 * pdiffs: the diff Index of an index file and the rred patches it names.
 *
 * @module
 */
export * from "./diff_index.ts";
export * from "./rred.ts";
