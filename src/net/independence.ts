/**
 * Which addresses count as independent parties: ones an attacker could not
 * easily hold together. Two addresses in one IPv4 /24 or one IPv6 /48 are
 * most likely one network, one operator: they count once.
 *
 * @module
 */

import { isIP } from "node:net";
import { parseIPv4, parseIPv6, unmappedAddress } from "./cidr.ts";

/** The network an address belongs to, for counting parties: its /24 or /48 (IPv4-mapped as IPv4). */
export function networkOf(address: string): string {
  const bare = unmappedAddress(address);
  if (isIP(bare) === 4) {
    const value = parseIPv4(bare)!;
    return `v4:${value >>> 8}`;
  }
  const value = parseIPv6(bare);
  return value === undefined ? `other:${bare}` : `v6:${value >> 80n}`;
}

/**
 * How many independent parties the addresses are: distinct /24 networks
 * among the IPv4 ones, or distinct /48s among the IPv6 ones, whichever is
 * more. Families are not added up: one dual-stack host has an address of
 * each, and is still one party.
 */
export function independentParties(addresses: Iterable<string>): number {
  const byFamily = new Map<string, Set<string>>();
  for (const address of addresses) {
    const network = networkOf(address);
    const family = network.slice(0, network.indexOf(":"));
    if (!byFamily.has(family)) byFamily.set(family, new Set());
    byFamily.get(family)!.add(network);
  }
  return Math.max(0, ...[...byFamily.values()].map((networks) => networks.size));
}
