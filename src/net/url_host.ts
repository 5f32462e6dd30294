/**
 * IPv6 literals in and out of the brackets URLs put them in (RFC 3986):
 * `URL.hostname` is `[::1]`, sockets and DNS want `::1`.
 *
 * @module
 */

/** An address as a URL's host: IPv6 literals in brackets. */
export function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/** A URL's host as sockets want it: `[::1]` becomes `::1`; anything else is unchanged. */
export function bareHost(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
