/**
 * Streaming hashers with a hashlib-like interface (`newHasher`, `update`,
 * `digest`, `verify`), backed by `node:crypto`.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { PieceHasher, type PieceList } from "./pieces.ts";

/** The archive's hash algorithms, strongest first. */
export const HASH_ALGORITHMS = ["sha256", "sha512", "sha1", "md5"] as const;
/** One of {@link HASH_ALGORITHMS}. */
export type HashAlgorithm = typeof HASH_ALGORITHMS[number];

/** What an archive index promises about a file: its size and some hex digests. */
export interface ExpectedFile {
  readonly size?: number;
  readonly sha256?: string;
  /** Only where no SHA-256 is known (some Release files list SHA512 alone). */
  readonly sha512?: string;
  readonly sha1?: string;
  readonly md5?: string;
}

/** A running hash over a byte stream. */
export interface Hasher {
  readonly algorithm: HashAlgorithm;
  update(chunk: Uint8Array): this;
  /** Hex digest; the hasher cannot be updated afterwards. */
  hexdigest(): string;
  /** Binary digest; the hasher cannot be updated afterwards. */
  digest(): Uint8Array;
  /** True when the digest equals `expectedHex` (case-insensitive). */
  verify(expectedHex: string): boolean;
}

class NodeHasher implements Hasher {
  #hash: Hash;
  #hex?: string;
  constructor(readonly algorithm: HashAlgorithm) {
    this.#hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): this {
    this.#hash.update(chunk);
    return this;
  }
  hexdigest(): string {
    return this.#hex ??= this.#hash.digest("hex");
  }
  digest(): Uint8Array {
    return Uint8Array.fromHex(this.hexdigest());
  }
  verify(expectedHex: string): boolean {
    return this.hexdigest() === expectedHex.toLowerCase();
  }
}

/** A new hasher for `algorithm`. */
export function newHasher(algorithm: HashAlgorithm): Hasher {
  return new NodeHasher(algorithm);
}

/** The result of checking content against an {@link ExpectedFile}. */
export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string };

/**
 * Hashes content as it streams: always SHA-256 (the cache and the DHT key
 * use it) plus the strongest other algorithm the expectation names, and the
 * byte count.
 */
export class ContentHasher {
  #sha256 = newHasher("sha256");
  #other?: Hasher;
  #pieces?: PieceHasher;
  size = 0;

  /** `pieces`: also hash 512 KiB pieces for a piece list (only worth it for large files). */
  constructor(readonly expected: ExpectedFile = {}, pieces = false) {
    if (pieces) this.#pieces = new PieceHasher();
    if (!expected.sha256) {
      const algorithm = HASH_ALGORITHMS.find((a) => expected[a]); // strongest first
      if (algorithm) this.#other = newHasher(algorithm);
    }
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    this.#sha256.update(chunk);
    this.#other?.update(chunk);
    this.#pieces?.update(chunk);
  }

  /** The piece list of everything so far, if pieces were hashed (ends the hashing). */
  pieceList(): PieceList | undefined {
    return this.#pieces?.finish(this.size);
  }

  /** Hex SHA-256 of everything so far (ends the hashing). */
  sha256(): string {
    return this.#sha256.hexdigest();
  }

  /** Whether anything is expected at all (otherwise every verdict is ok). */
  get hasExpectation(): boolean {
    return hasHash(this.expected);
  }

  /** Compares size and digest with the expectation; ends the hashing. */
  verdict(): Verdict {
    const { size, sha256 } = this.expected;
    if (size !== undefined && size !== this.size) {
      return { ok: false, reason: `size ${this.size}, expected ${size}` };
    }
    if (sha256) {
      return this.#sha256.verify(sha256)
        ? { ok: true }
        : { ok: false, reason: `sha256 ${this.sha256()}, expected ${sha256}` };
    }
    if (this.#other) {
      const want = this.expected[this.#other.algorithm]!;
      return this.#other.verify(want) ? { ok: true } : {
        ok: false,
        reason: `${this.#other.algorithm} ${this.#other.hexdigest()}, expected ${want}`,
      };
    }
    return { ok: true };
  }
}

/** True when the expectation names at least one digest. */
export function hasHash(expected: ExpectedFile | undefined): boolean {
  return !!expected && HASH_ALGORITHMS.some((a) => expected[a]);
}

/** Hashes a whole stream (e.g. a cached file) with SHA-256. */
export async function sha256OfStream(
  stream: ReadableStream<Uint8Array>,
  /** Told of each chunk's size as it is hashed (progress). */
  onBytes?: (bytes: number) => void,
): Promise<{ sha256: string; size: number }> {
  const hasher = new ContentHasher();
  for await (const chunk of stream) {
    hasher.update(chunk);
    onBytes?.(chunk.byteLength);
  }
  return { sha256: hasher.sha256(), size: hasher.size };
}
