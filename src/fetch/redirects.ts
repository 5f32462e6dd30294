/**
 * Which redirects a mirror may send the daemon along. Peers' never are
 * followed (a peer is a stranger; a redirect from one is a request forged
 * on its behalf). A mirror's are, a few hops, to http or https only (never
 * from https down to http), and never into a scope nearer than the
 * mirror's own (address_scope.ts).
 *
 * @module
 */

import { type AddressScope, addressScope, bareHost } from "../net/mod.ts";

/** Statuses that carry a `Location` to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Hops followed for one request (apt's own default is 10; mirrors use one or two). */
export const MAX_REDIRECTS = 5;

/** Where a host is: the scopes of its addresses (`localhost` is loopback without asking DNS). */
export function scopesOf(host: string, addresses: readonly string[]): AddressScope[] {
  const name = bareHost(host);
  if (name === "localhost" || name.endsWith(".localhost")) return ["loopback"];
  const literal = addressScope(name);
  if (literal) return [literal];
  return addresses.map((a) => addressScope(a)).filter((s) => s !== undefined);
}

/**
 * Why the redirect from `from` (a host in `fromScopes`) to `to` (a host in
 * `toScopes`) must not be followed; undefined when it may.
 */
export function refusedRedirect(
  from: URL,
  fromScopes: readonly AddressScope[],
  to: URL,
  toScopes: readonly AddressScope[],
): string | undefined {
  if (to.protocol !== "http:" && to.protocol !== "https:") return `to ${to.protocol} URL`;
  if (to.username || to.password) return "to a URL with credentials";
  // As apt refuses it: who chose https chose a way to the mirror nobody on the path can read.
  if (from.protocol === "https:" && to.protocol !== "https:") return "from https to http";
  if (to.hostname === from.hostname) return undefined; // the same server, elsewhere on it
  if (toScopes.length === 0) return `cannot tell where ${to.hostname} is`;
  for (const scope of toScopes) {
    if (scope !== "public" && !fromScopes.includes(scope)) {
      return `to a ${scope} address of ${to.hostname}, from a mirror that is not`;
    }
  }
  return undefined;
}
