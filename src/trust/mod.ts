/**
 * Trust in the archive: the keys apt trusts and the signatures of Release files.
 *
 * @module
 */
export * from "./keyring.ts";
export * from "./signatures.ts";
