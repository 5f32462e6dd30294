/**
 * IP address parsing and CIDR matching, for the allowed-clients list.
 * Matching is `node:net`'s BlockList. Every block and address is put in the
 * IPv6 space first (IPv4 as ::ffff:a.b.c.d, prefixes offset by 96), so one
 * rule covers both families as before: a v4-mapped v6 client matches a v4
 * rule, and `::/0` admits IPv4 clients too. Zone ids and brackets are
 * stripped before the BlockList sees an address (it rejects both).
 *
 * @module
 */

import { BlockList } from "node:net";
import { bareHost } from "./url_host.ts";

/** A parsed `address/prefix` block; plain data, so configs compare as JSON. */
export interface Cidr {
  /** The text as written, for messages. */
  readonly text: string;
  /** The address in IPv6 form (IPv4 as `::ffff:a.b.c.d`), no zone or brackets. */
  readonly address: string;
  /** Prefix length in the 128-bit space (IPv4 prefixes are offset by 96). */
  readonly prefix: number;
}

/** Parses dotted-quad IPv4 into a 32-bit number, or undefined. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255 || (part.length > 1 && part[0] === "0")) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses an IPv6 address (with `::`, embedded IPv4, and an optional zone) into a bigint. */
export function parseIPv6(text: string): bigint | undefined {
  const address = text.replace(/%.*$/, "");
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIPv4(piece);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it is; others unchanged. */
export function unmappedAddress(address: string): string {
  const v4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(address);
  return v4 ? v4[1] : address;
}

/** An address of either family in IPv6 form for the BlockList, or undefined. */
function inV6Space(text: string): string | undefined {
  if (parseIPv4(text) !== undefined) return `::ffff:${text}`;
  const bare = bareHost(text).replace(/%.*$/, "");
  return parseIPv6(bare) === undefined ? undefined : bare;
}

/** Parses `10.0.0.0/8`, `::1`, `fe80::/10` (a bare address is a single host). */
export function parseCidr(text: string): Cidr | undefined {
  const [addressText, prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return undefined;
  const isV4 = parseIPv4(addressText) !== undefined;
  const address = inV6Space(addressText);
  if (address === undefined) return undefined;
  const max = isV4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
    prefix = Number(prefixText);
  }
  return { text, address, prefix: isV4 ? prefix + 96 : prefix };
}

/**
 * A set of blocks to test addresses against; build it once per list (the
 * BlockList costs more to build than to ask).
 */
export class CidrSet {
  readonly #list = new BlockList();

  constructor(blocks: readonly Cidr[]) {
    for (const block of blocks) this.#list.addSubnet(block.address, block.prefix, "ipv6");
  }

  /** True when `address` (either family, brackets and zone allowed) lies in a block. */
  has(address: string): boolean {
    const value = inV6Space(address);
    return value !== undefined && this.#list.check(value, "ipv6");
  }
}

/** True when `address` (either family) lies inside any of `blocks`. */
export function addressInAny(address: string, blocks: readonly Cidr[]): boolean {
  return new CidrSet(blocks).has(address);
}
