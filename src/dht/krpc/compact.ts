/**
 * BEP 5 compact encodings: node info (id + address + port: 26 bytes for
 * IPv4, 38 for IPv6 per BEP 32) and peer info (address + port: 6 or 18).
 *
 * @module
 */

import { bareHost, parseIPv4, parseIPv6 } from "../../net/mod.ts";
import { ID_BYTES } from "../constants.ts";
import type { NodeId } from "../node_id.ts";

/** A UDP or TCP endpoint. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A DHT node: its id and where it answers. */
export interface Contact extends Endpoint {
  readonly id: NodeId;
}

/** 4 for dotted quads, 6 otherwise. */
export function familyOf(address: string): 4 | 6 {
  return parseIPv4(address) !== undefined ? 4 : 6;
}

/** Address bytes (4 or 16), or undefined when `address` is not an IP literal. */
export function encodeAddress(address: string): Uint8Array | undefined {
  const v4 = parseIPv4(address);
  if (v4 !== undefined) {
    return Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff);
  }
  const v6 = parseIPv6(bareHost(address));
  if (v6 === undefined) return undefined;
  const out = new Uint8Array(16);
  for (let i = 15, v = v6; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** The textual address of 4 or 16 bytes. */
export function decodeAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // Shorten the longest run of zero groups, as RFC 5952 asks.
  let best = -1, bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength && j - i > 1) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLength).join(":")}`;
}

/** Compact peer info: address bytes then the port, big-endian. */
export function encodePeer(peer: Endpoint): Uint8Array | undefined {
  const address = encodeAddress(peer.address);
  if (!address) return undefined;
  const out = new Uint8Array(address.length + 2);
  out.set(address);
  out[address.length] = peer.port >> 8;
  out[address.length + 1] = peer.port & 0xff;
  return out;
}

/** Decodes a 6- or 18-byte compact peer; undefined for other lengths or port 0. */
export function decodePeer(bytes: Uint8Array): Endpoint | undefined {
  if (bytes.length !== 6 && bytes.length !== 18) return undefined;
  const port = (bytes[bytes.length - 2] << 8) | bytes[bytes.length - 1];
  if (port === 0) return undefined;
  return { address: decodeAddress(bytes.subarray(0, bytes.length - 2)), port };
}

/** Concatenated compact node infos of one family. */
export function encodeNodes(contacts: readonly Contact[], family: 4 | 6): Uint8Array {
  const size = ID_BYTES + (family === 4 ? 6 : 18);
  const chosen = contacts.filter((c) => familyOf(c.address) === family);
  const out = new Uint8Array(chosen.length * size);
  chosen.forEach((contact, i) => {
    out.set(contact.id, i * size);
    out.set(encodePeer(contact)!, i * size + ID_BYTES);
  });
  return out;
}

/**
 * Splits a `nodes` (26-byte) or `nodes6` (38-byte) string into at most
 * `limit` contacts. A ragged tail is dropped and the whole entries kept,
 * as other implementations do.
 */
export function decodeNodes(bytes: Uint8Array, family: 4 | 6, limit = Infinity): Contact[] {
  const size = ID_BYTES + (family === 4 ? 6 : 18);
  const end = Math.min(bytes.length, limit * size);
  const out: Contact[] = [];
  for (let i = 0; i + size <= end; i += size) {
    const peer = decodePeer(bytes.subarray(i + ID_BYTES, i + size));
    if (peer) out.push({ id: bytes.slice(i, i + ID_BYTES), ...peer });
  }
  return out;
}
