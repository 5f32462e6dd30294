/**
 * Trust in the archive: the keys apt trusts and the signatures of Release files.
 *
 * @module
 */
export { type KeyringPlaces, TrustedKeys } from "./keyring.ts";
export { type SignatureVerdict, verifyClearsigned } from "./signatures.ts";
