/**
 * Bootstrap nodes named by host: resolved to every address they have, at
 * each join, so a router's changed addresses are followed.
 *
 * @module
 */

import type { Logger } from "../log/mod.ts";
import { type Endpoint, familyOf } from "./krpc/compact.ts";

/** Resolves bootstrap host names (A and AAAA); IP literals pass through. */
export async function resolveAll(endpoints: readonly Endpoint[], log: Logger): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  for (const endpoint of endpoints) {
    if (familyOf(endpoint.address) === 4 || endpoint.address.includes(":")) {
      out.push(endpoint);
      continue;
    }
    for (const type of ["A", "AAAA"] as const) {
      try {
        for (const address of await Deno.resolveDns(endpoint.address, type)) {
          out.push({ address, port: endpoint.port });
        }
      } catch (error) {
        log.debug("dht.bootstrap_unresolved", { host: endpoint.address, type, error });
      }
    }
  }
  return out;
}
