/**
 * A Release file (an archive without InRelease) has no hash in any index:
 * its "hash" is its detached signature. When apt asks for a Release, the
 * pipeline first gets the small Release.gpg (apt asks for it next anyway),
 * then serves a cached Release the signature still verifies, or takes one
 * from peers that announced it under the signature's DHT key, checking the
 * signature over their bytes before apt sees any.
 *
 * @module
 */

import type { PublicKey } from "openpgp";
import { idToHex } from "../dht/mod.ts";
import { signatureDhtKey, SignatureHasher } from "../hash/mod.ts";
import type { SignatureVerdict } from "../trust/mod.ts";
import type { ArchiveTarget } from "./request_target.ts";

/** True for a `…/Release` (not InRelease): signed by a Release.gpg beside it. */
export function isDetachedRelease(key: string): boolean {
  return key.endsWith("/Release");
}

/** The Release.gpg beside a Release, from the same upstreams. */
export function signatureTargetOf(target: ArchiveTarget): ArchiveTarget {
  return {
    ...target,
    key: `${target.key}.gpg`,
    upstreams: target.upstreams.map((url) => `${url}.gpg`),
  };
}

/** A Release.gpg, read: what verifies a Release, and where peers announce it. */
export interface ReleaseSignature {
  /** Hex DHT key (`signatureDhtKey`): peers serve the Release under `/~/signed/<key>`. */
  readonly key: string;
  /** Checks a whole Release file against the signature and the trusted keys. */
  verifyFile(path: string): Promise<SignatureVerdict>;
}

/** Reads a Release.gpg as served (armored or binary); undefined when it is no signature. */
export async function readReleaseSignature(
  releaseGpg: Uint8Array,
  keys: () => Promise<readonly PublicKey[]>,
): Promise<ReleaseSignature | undefined> {
  let signature: Uint8Array;
  try {
    signature = (await SignatureHasher.from(releaseGpg, keys)).signature;
  } catch {
    return undefined;
  }
  return {
    key: idToHex(signatureDhtKey(signature)),
    async verifyFile(path) {
      const hasher = new SignatureHasher(signature, keys);
      return await hasher.update(await Deno.readFile(path)).verify();
    },
  };
}
