/**
 * pdiffs: the diff Index of an index file and the rred patches it names.
 *
 * @module
 */
export { type DiffIndex, downloadNameOf, parseDiffIndex, patchesFrom } from "./diff_index.ts";
export { applyPatches, type Hunk, parseEdScript } from "./rred.ts";
