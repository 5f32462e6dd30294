/**
 * Host patterns, as `server.connect_pass_through` lists them: `*` for any
 * host, `*.example.org` for every name under example.org (not the name
 * itself), or one host name or IP address. Matching is by whole labels and
 * ignores case, so `*.debian.org` never matches `evil-debian.org`.
 *
 * @module
 */

import { isHostname } from "./hostname.ts";
import { parseIPv4, parseIPv6 } from "./cidr.ts";
import { bareHost } from "./url_host.ts";

/** Whether `pattern` is one of the three forms. */
export function isHostPattern(pattern: string): boolean {
  if (pattern === "*") return true;
  const name = pattern.startsWith("*.") ? pattern.slice(2) : bareHost(pattern);
  return isHostname(name) || (!pattern.startsWith("*.") &&
    (parseIPv4(name) !== undefined || parseIPv6(name) !== undefined));
}

/** Whether `host` (a name or an address, IPv6 without brackets) matches any of `patterns`. */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === "*") return true;
    if (p.startsWith("*.")) return name.endsWith(p.slice(1)) && name.length > p.length - 1;
    return bareHost(p) === name;
  });
}
