/**
 * A "hash" for files the archive signs (Release): the detached OpenPGP
 * signature, in binary form. It has the hashers' shape (`update`,
 * `digest`, `verify`), but `verify` checks that the signature is good and
 * made by a trusted key over the bytes received: no byte comparison, so
 * signatures of any length (64, 65, 119, 566 bytes…) work alike.
 *
 * @module
 */

import type { PublicKey } from "openpgp";
import { binarySignature, type SignatureVerdict, verifyDetached } from "../trust/mod.ts";

/** Release files are small; beyond this the bytes are not kept and verification fails. */
const MAX_SIGNED_BYTES = 16 * 1024 * 1024;

/** Checks streamed bytes against a detached signature. */
export class SignatureHasher {
  readonly algorithm = "gpg";
  #chunks: Uint8Array[] = [];
  size = 0;

  /** `signature`: binary (use {@link SignatureHasher.from} for an armored Release.gpg). */
  constructor(
    readonly signature: Uint8Array,
    private readonly keys: () => Promise<readonly PublicKey[]>,
  ) {}

  /** A hasher for a Release.gpg as served, armored or binary. */
  static async from(
    releaseGpg: Uint8Array,
    keys: () => Promise<readonly PublicKey[]>,
  ): Promise<SignatureHasher> {
    return new SignatureHasher(await binarySignature(releaseGpg), keys);
  }

  update(chunk: Uint8Array): this {
    this.size += chunk.byteLength;
    if (this.size <= MAX_SIGNED_BYTES) this.#chunks.push(chunk.slice());
    return this;
  }

  /** The "digest": the signature itself. */
  digest(): Uint8Array {
    return this.signature;
  }

  hexdigest(): string {
    return this.signature.toHex();
  }

  /** Good when a trusted key made the signature over exactly the bytes received. */
  async verify(): Promise<SignatureVerdict> {
    if (this.size > MAX_SIGNED_BYTES) {
      return { ok: false, reason: `signed file over ${MAX_SIGNED_BYTES} bytes` };
    }
    const data = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.#chunks) {
      data.set(chunk, at);
      at += chunk.byteLength;
    }
    return await verifyDetached(data, this.signature, await this.keys());
  }
}

/**
 * The DHT key of a signed file: the signature's bytes reversed, first 160
 * bits. Reversed because signatures of one key share their head (version,
 * type, algorithms, key id) and differ in the tail (the signature values).
 */
export function signatureDhtKey(signature: Uint8Array): Uint8Array {
  return signature.slice().reverse().subarray(0, 20);
}
