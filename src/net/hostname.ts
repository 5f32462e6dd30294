/**
 * Validation of the `host[:port]` part of an archive URL: apt-dht only ever
 * fetches from names that look like DNS names or IP literals.
 *
 * @module
 */

import { parseIPv4, parseIPv6 } from "./cidr.ts";
import { bareHost } from "./url_host.ts";

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** True for a DNS host name (letters, digits, hyphens; dot-separated labels). */
export function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.toLowerCase().split(".").every((label) => LABEL.test(label));
}

/** A validated, lower-cased `host[:port]` authority. */
export interface Authority {
  /** Host as written in URLs: name, dotted quad or `[v6]`. */
  readonly host: string;
  readonly port: number | undefined;
  /** `host` or `host:port`, the form used in cache paths and URLs. */
  readonly text: string;
}

/**
 * Parses `host`, `host:port` or `[v6]:port`; returns undefined for anything
 * that is not a hostname or IP literal (user info, bad ports, odd characters).
 */
export function parseAuthority(text: string): Authority | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const host = match[1].toLowerCase();
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const valid = host.startsWith("[")
    ? parseIPv6(bareHost(host)) !== undefined
    : parseIPv4(host) !== undefined || (isHostname(host) && !/^[\d.]+$/.test(host));
  if (!valid) return undefined;
  return { host, port, text: port === undefined ? host : `${host}:${port}` };
}
