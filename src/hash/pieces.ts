/**
 * Piece lists: a large file cut into 512 KiB pieces, each with its SHA-1,
 * so a downloader can check every piece as it arrives from any peer.
 * Bencoded as `{hash: "sha1", length, "piece length", pieces}` where
 * `pieces` is the concatenated 20-byte digests.
 *
 * @module
 */

import { type BencodeValue, decodeBencode, encodeBencode, isBencodeDict } from "../bencode/mod.ts";
import { createHash, type Hash } from "node:crypto";
import { sha1 } from "./sha1.ts";

/** The piece size. */
export const PIECE_BYTES = 512 * 1024;
/** Bytes of one piece digest (SHA-1). */
export const PIECE_HASH_BYTES = 20;

/** Values a piece list may hold: the dictionary, its four entries, room for a few unknown ones. */
const PIECE_LIST_ITEMS = 8;

/** A decoded piece list. */
export interface PieceList {
  /** The whole file's length in bytes. */
  readonly length: number;
  readonly pieceLength: number;
  /** `count` digests of PIECE_HASH_BYTES each. */
  readonly pieces: Uint8Array;
}

/** A piece list that does not describe a file of the expected length. */
export class PieceListError extends Error {
  override name = "PieceListError";
}

/** Number of pieces of a file of `length` bytes. */
export function pieceCount(length: number, pieceLength = PIECE_BYTES): number {
  return Math.ceil(length / pieceLength);
}

/** Hashes a stream piece by piece as it arrives. */
export class PieceHasher {
  #digests: Uint8Array[] = [];
  #current: Hash = createHash("sha1");
  #filled = 0;

  constructor(readonly pieceLength = PIECE_BYTES) {}

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(this.pieceLength - this.#filled, chunk.byteLength - offset);
      this.#current.update(chunk.subarray(offset, offset + take));
      this.#filled += take;
      offset += take;
      if (this.#filled === this.pieceLength) this.#close();
    }
  }

  /** The list for everything hashed so far (ends the hashing). */
  finish(length: number): PieceList {
    if (this.#filled > 0) this.#close();
    const pieces = new Uint8Array(this.#digests.length * PIECE_HASH_BYTES);
    this.#digests.forEach((d, i) => pieces.set(d, i * PIECE_HASH_BYTES));
    return { length, pieceLength: this.pieceLength, pieces };
  }

  #close(): void {
    this.#digests.push(new Uint8Array(this.#current.digest()));
    this.#current = createHash("sha1");
    this.#filled = 0;
  }
}

/** The SHA-1 of one piece's bytes. */
export function pieceDigest(bytes: Uint8Array): Uint8Array {
  return sha1(bytes);
}

/** Bencodes a piece list. */
export function encodePieceList(list: PieceList): Uint8Array {
  return encodeBencode({
    hash: "sha1",
    length: list.length,
    "piece length": list.pieceLength,
    pieces: list.pieces,
  });
}

/** The longest encoded piece list a file of `length` bytes can have (digests, plus the keys). */
export function maxPieceListBytes(length: number): number {
  return pieceCount(length) * PIECE_HASH_BYTES + 128;
}

/** Decodes and checks a piece list against the length the index gives for the file. */
export function decodePieceList(bytes: Uint8Array, expectedLength: number): PieceList {
  let decoded: BencodeValue;
  try {
    // A flat dictionary of four entries: anything deeper or longer is not a piece list.
    decoded = decodeBencode(bytes, { maxDepth: 1, maxItems: PIECE_LIST_ITEMS });
  } catch (error) {
    throw new PieceListError(`not bencode: ${(error as Error).message}`);
  }
  if (!isBencodeDict(decoded)) throw new PieceListError("not a dictionary");
  const raw = decoded;
  const { length, pieces } = raw;
  const pieceLength = raw["piece length"];
  const hash = raw.hash instanceof Uint8Array ? new TextDecoder().decode(raw.hash) : undefined;
  if (hash !== "sha1") throw new PieceListError(`unknown piece hash ${hash}`);
  if (length !== expectedLength) {
    throw new PieceListError(`length ${length}, expected ${expectedLength}`);
  }
  if (pieceLength !== PIECE_BYTES) throw new PieceListError(`piece length ${pieceLength}`);
  if (
    !(pieces instanceof Uint8Array) ||
    pieces.length !== pieceCount(expectedLength) * PIECE_HASH_BYTES
  ) {
    throw new PieceListError("wrong number of piece digests");
  }
  return { length, pieceLength, pieces };
}

/** The name of a bencoded piece list: its hex SHA-1 (also its BEP 44 key). */
export function pieceListName(encoded: Uint8Array): string {
  return sha1(encoded).toHex();
}

/** The digest of piece `index` in a list. */
export function pieceHashAt(list: PieceList, index: number): Uint8Array {
  return list.pieces.subarray(index * PIECE_HASH_BYTES, (index + 1) * PIECE_HASH_BYTES);
}
