/**
 * 160-bit ids (node ids and info-hashes): XOR distance, ordering and the
 * bucket an id falls in.
 *
 * @module
 */

import { ID_BYTES } from "./constants.ts";

/** A 20-byte id. */
export type NodeId = Uint8Array;

/** A fresh random id. */
export function randomId(): NodeId {
  return crypto.getRandomValues(new Uint8Array(ID_BYTES));
}

/** XOR distance of two ids, as bytes. */
export function distance(a: NodeId, b: NodeId): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Compares the distances of `a` and `b` to `target`: negative when `a` is closer. */
export function compareDistance(target: NodeId, a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const da = a[i] ^ target[i];
    const db = b[i] ^ target[i];
    if (da !== db) return da - db;
  }
  return 0;
}

/** Number of leading bits `a` and `b` share (160 when equal). */
export function commonPrefixLength(a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = a[i] ^ b[i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BYTES * 8;
}

/** True when both ids are the same bytes. */
export function sameId(a: NodeId, b: NodeId): boolean {
  return commonPrefixLength(a, b) === ID_BYTES * 8;
}

/** Lower-case hex of an id. */
export function idToHex(id: Uint8Array): string {
  return id.toHex();
}

/** Parses 40 hex digits into an id. */
export function idFromHex(hex: string): NodeId {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new TypeError(`not a 160-bit hex id: ${hex}`);
  return Uint8Array.fromHex(hex);
}

/** An id as a bigint (for arithmetic such as the size estimate). */
export function idToBigInt(id: Uint8Array): bigint {
  let value = 0n;
  for (const byte of id) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * A random id that shares exactly `prefix` leading bits with `base` (the
 * next bit differs): a target inside the bucket at that depth.
 */
export function randomIdInBucket(base: NodeId, prefix: number): NodeId {
  const id = randomId();
  for (let bit = 0; bit <= prefix && bit < ID_BYTES * 8; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    const want = bit < prefix ? base[byte] & mask : ~base[byte] & mask;
    id[byte] = (id[byte] & ~mask) | want;
  }
  return id;
}
