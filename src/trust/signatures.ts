/**
 * Checking the archive's OpenPGP signatures: InRelease (clearsigned) and
 * Release with its detached Release.gpg. A signature is good when it is
 * valid and made by a trusted key; anything else is a reason, not an
 * exception, so the caller can say why a Release is not trusted.
 *
 * @module
 */

import type * as OpenPgp from "openpgp";
import { openPgp } from "./openpgp.ts";
import { isArmored } from "./armor.ts";

/** The outcome of a signature check. */
export type SignatureVerdict =
  | { readonly ok: true; /** Hex key id of the signer. */ readonly signer: string }
  | { readonly ok: false; readonly reason: string };

/** An InRelease that verified, with the text its signature covers (and nothing around it). */
export type ClearsignedVerdict =
  | { readonly ok: true; readonly signer: string; readonly text: string }
  | { readonly ok: false; readonly reason: string };

/** Verifies a clearsigned text; on success gives the signed text alone. */
export async function verifyClearsigned(
  text: string,
  keys: readonly OpenPgp.PublicKey[],
): Promise<ClearsignedVerdict> {
  const openpgp = await openPgp();
  let message: OpenPgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (error) {
    return { ok: false, reason: `not a clearsigned text: ${(error as Error).message}` };
  }
  if (keys.length === 0) return { ok: false, reason: "no trusted keys" };
  const result = await openpgp.verify({ message, verificationKeys: [...keys] });
  const verdict = await firstGood(result.signatures);
  return verdict.ok ? { ...verdict, text: withNewline(result.data as string) } : verdict;
}

/** Verifies a detached signature (binary or armored) over `data`. */
export async function verifyDetached(
  data: Uint8Array,
  signatureBytes: Uint8Array,
  keys: readonly OpenPgp.PublicKey[],
): Promise<SignatureVerdict> {
  let signature: OpenPgp.Signature;
  try {
    signature = await readSignature(signatureBytes);
  } catch (error) {
    return { ok: false, reason: `not an OpenPGP signature: ${(error as Error).message}` };
  }
  if (keys.length === 0) return { ok: false, reason: "no trusted keys" };
  const openpgp = await openPgp();
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature, verificationKeys: [...keys] });
  return await firstGood(result.signatures);
}

/** Reads a detached signature, armored or binary. */
export async function readSignature(bytes: Uint8Array): Promise<OpenPgp.Signature> {
  const openpgp = await openPgp();
  return isArmored(bytes)
    ? await openpgp.readSignature({ armoredSignature: new TextDecoder().decode(bytes) })
    : await openpgp.readSignature({ binarySignature: bytes });
}

/** The signature in binary form (apt's Release.gpg may be armored). */
export async function binarySignature(bytes: Uint8Array): Promise<Uint8Array> {
  return (await readSignature(bytes)).write() as Uint8Array;
}

type Checked = Awaited<ReturnType<typeof OpenPgp.verify>>["signatures"][number];

/** Good if any signature is valid from a trusted key (archives sign with several keys). */
async function firstGood(signatures: readonly Checked[]): Promise<SignatureVerdict> {
  if (signatures.length === 0) return { ok: false, reason: "no signature" };
  const reasons: string[] = [];
  for (const signature of signatures) {
    try {
      await signature.verified;
      return { ok: true, signer: signature.keyID.toHex() };
    } catch (error) {
      reasons.push(`${signature.keyID.toHex()}: ${(error as Error).message}`);
    }
  }
  return { ok: false, reason: reasons.join("; ") };
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
