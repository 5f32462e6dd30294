/**
 * IP address parsing and CIDR matching, for the allowed-clients list.
 * Addresses become 128-bit bigints; IPv4 is mapped into ::ffff:0:0/96 so one
 * comparison covers both families (and v4-mapped v6 clients match v4 rules).
 *
 * @module
 */

/** A parsed `address/prefix` block. */
export interface Cidr {
  /** The text as written, for messages. */
  readonly text: string;
  readonly network: bigint;
  /** Prefix length in the 128-bit space (IPv4 prefixes are offset by 96). */
  readonly prefix: number;
}

const V4_MAPPED = 0xffffn << 32n;

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

/** Parses either family into the shared 128-bit space; brackets are accepted for IPv6. */
export function parseAddress(text: string): bigint | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return V4_MAPPED | BigInt(v4);
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return parseIPv6(bare);
}

/** Parses `10.0.0.0/8`, `::1`, `fe80::/10` (a bare address is a single host). */
export function parseCidr(text: string): Cidr | undefined {
  const [addressText, prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return undefined;
  const isV4 = parseIPv4(addressText) !== undefined;
  const address = parseAddress(addressText);
  if (address === undefined) return undefined;
  const max = isV4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
    prefix = Number(prefixText);
  }
  const full = isV4 ? prefix + 96 : prefix;
  return { text, network: address & maskOf(full), prefix: full };
}

function maskOf(prefix: number): bigint {
  const all = (1n << 128n) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(128 - prefix)) << BigInt(128 - prefix);
}

/** True when `address` (either family) lies inside any of `blocks`. */
export function addressInAny(address: string, blocks: readonly Cidr[]): boolean {
  const value = parseAddress(address);
  if (value === undefined) return false;
  return blocks.some((block) => (value & maskOf(block.prefix)) === block.network);
}
