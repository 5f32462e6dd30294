/**
 * BEP 42: node ids bound to the node's IP address. The first 21 bits of a
 * secure id are the CRC32C of the masked address combined with a random
 * 3-bit value that the id's last byte carries.
 *
 * @module
 */

import CRC32C from "crc-32/crc32c";
import { ID_BYTES } from "./constants.ts";
import type { NodeId } from "./node_id.ts";
import { encodeAddress } from "./krpc/compact.ts";

const V4_MASK = [0x03, 0x0f, 0x3f, 0xff];
const V6_MASK = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

/** The address as bytes; a v4-mapped IPv6 address counts as its IPv4 address. */
function addressBytes(address: string): Uint8Array | undefined {
  const bytes = encodeAddress(address);
  if (bytes?.length === 16 && bytes.subarray(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff))) {
    return bytes.slice(12);
  }
  return bytes;
}

/** The CRC32C that the first 21 bits of a secure id for `address` and `r` (0–7) must match. */
export function secureIdPrefix(address: string, r: number): number | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return undefined;
  const mask = bytes.length === 4 ? V4_MASK : V6_MASK;
  const masked = Uint8Array.from(mask, (m, i) => bytes[i] & m);
  masked[0] |= (r & 0x7) << 5;
  return CRC32C.buf(masked) >>> 0;
}

/** A secure id for `address`: random but for the bound prefix and the `r` in its last byte. */
export function secureId(
  address: string,
  random: Uint8Array = crypto.getRandomValues(new Uint8Array(ID_BYTES)),
): NodeId {
  const id = random.slice(0, ID_BYTES);
  const crc = secureIdPrefix(address, id[ID_BYTES - 1])!;
  id[0] = crc >>> 24;
  id[1] = (crc >>> 16) & 0xff;
  id[2] = ((crc >>> 8) & 0xf8) | (id[2] & 0x07);
  return id;
}

/** True when `id` is a valid BEP 42 id for `address`. */
export function isSecureId(id: NodeId, address: string): boolean {
  const crc = secureIdPrefix(address, id[ID_BYTES - 1]);
  if (crc === undefined) return false;
  return id[0] === crc >>> 24 && id[1] === ((crc >>> 16) & 0xff) &&
    (id[2] & 0xf8) === ((crc >>> 8) & 0xf8);
}

/**
 * Addresses BEP 42 does not apply to: loopback, private, link-local and
 * unique-local ranges (so tests and LANs work).
 */
export function isExemptFromBep42(address: string): boolean {
  const bytes = addressBytes(address);
  if (!bytes) return false;
  if (bytes.length === 4) {
    const [a, b] = bytes;
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a === 0;
  }
  return bytes.every((b, i) => b === (i === 15 ? 1 : 0)) || // ::1
    (bytes[0] & 0xfe) === 0xfc || // fc00::/7
    (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80); // fe80::/10
}
