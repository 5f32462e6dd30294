/**
 * Trust in the archive: the keys apt trusts and the signatures of Release files.
 *
 * @module
 */
export { type KeyringPlaces, TrustedKeys } from "./keyring.ts";
export {
  binarySignature,
  type SignatureVerdict,
  verifyClearsigned,
  verifyDetached,
} from "./signatures.ts";
