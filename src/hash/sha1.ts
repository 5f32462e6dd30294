/**
 * One-shot SHA-1, the hash BitTorrent and the DHT are built on (piece
 * digests, piece-list names and BEP 44 keys, write tokens).
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * The SHA-1 of `parts` hashed one after the other (text as UTF-8).
 *
 * @example
 * ```ts
 * sha1(new TextEncoder().encode("abc")).toHex(); // "a9993e36…"
 * sha1(address, secret); // the same as hashing the address's bytes then the secret
 * ```
 */
export function sha1(...parts: readonly (Uint8Array | string)[]): Uint8Array<ArrayBuffer> {
  const hash = createHash("sha1");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}
