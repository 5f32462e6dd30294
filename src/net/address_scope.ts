/**
 * How far an address reaches: this machine, this link, a private network,
 * or the Internet. A mirror's redirect may only lead where the mirror
 * itself is, or to the Internet: a public mirror must not be able to make
 * the daemon fetch from 127.0.0.1 or the LAN for it.
 *
 * @module
 */

import { isIP } from "node:net";
import { CidrSet, parseCidr } from "./cidr.ts";

/** Where an address is. */
export type AddressScope = "loopback" | "link-local" | "private" | "public";

const blocks = (cidrs: readonly string[]) => new CidrSet(cidrs.map((c) => parseCidr(c)!));

// 0.0.0.0 and :: reach this machine on Linux; CidrSet matches IPv4-mapped IPv6 too.
const LOOPBACK = blocks(["127.0.0.0/8", "0.0.0.0/8", "::1/128", "::/128"]);
const LINK_LOCAL = blocks(["169.254.0.0/16", "fe80::/10"]);
// RFC 1918, shared address space, benchmarking, multicast and reserved; ULA and multicast.
const PRIVATE = blocks([
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "198.18.0.0/15",
  "224.0.0.0/3",
  "fc00::/7",
  "ff00::/8",
]);

/** The scope of an IP address (literal, without brackets); a name is not an address: undefined. */
export function addressScope(address: string): AddressScope | undefined {
  if (isIP(address) === 0) return undefined;
  if (LOOPBACK.has(address)) return "loopback";
  if (LINK_LOCAL.has(address)) return "link-local";
  if (PRIVATE.has(address)) return "private";
  return "public";
}
