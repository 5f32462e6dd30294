/**
 * A mirror host's addresses, resolved by the daemon itself so that a
 * request can go to one address and move on to the next when that one
 * errs. Answers are kept for their time-to-live and refreshed in the
 * background; a slow or failing DNS never delays a request by more than
 * `lookupWaitMs`: names DNS does not answer (e.g. from /etc/hosts) are left
 * to the system resolver at connect time.
 *
 * @module
 */

import { NEGATIVE_TTL_MS } from "./constants.ts";
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import { bareHost } from "../net/mod.ts";

/** How names are resolved. */
export interface MirrorAddressesOptions {
  /** DNS servers (`ip` or `ip:port`); the system's when absent or empty. */
  readonly servers?: readonly string[];
  /** Floor and ceiling of how long an answer is kept, whatever its TTL says. */
  readonly minTtlMs?: number;
  readonly maxTtlMs?: number;
  /** Longest wait for a first answer before the request goes by name (default 1 s). */
  readonly lookupWaitMs?: number;
  readonly now?: () => number;
}

interface Entry {
  addresses: string[];
  expires: number;
  /** Index of the address requests go to first. */
  preferred: number;
  refreshing?: Promise<void>;
}

/** The addresses of mirror hosts, with the one to use first. */
export class MirrorAddresses {
  readonly #entries = new Map<string, Entry>();
  readonly #resolver = new Resolver();
  readonly #minTtl: number;
  readonly #maxTtl: number;
  readonly #lookupWait: number;
  readonly #now: () => number;

  constructor(options: MirrorAddressesOptions = {}) {
    if (options.servers?.length) this.#resolver.setServers([...options.servers]);
    this.#minTtl = options.minTtlMs ?? 5_000;
    this.#maxTtl = options.maxTtlMs ?? 3_600_000;
    this.#lookupWait = options.lookupWaitMs ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Addresses of `hostname`, the preferred one first. Empty for IP
   * literals and for names DNS cannot answer (the system then resolves).
   */
  async addressesOf(hostname: string): Promise<string[]> {
    const name = bareHost(hostname);
    if (isIP(name) || name === "localhost") return [];
    let entry = this.#entries.get(name);
    if (!entry) {
      const lookup = this.#refresh(name);
      entry = this.#entries.get(name)!;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([lookup, new Promise((r) => timer = setTimeout(r, this.#lookupWait))]);
      clearTimeout(timer);
    } else if (entry.expires <= this.#now() && !entry.refreshing) {
      this.#refresh(name); // in the background: the old answer serves meanwhile
    }
    const { addresses, preferred } = entry;
    return [...addresses.slice(preferred), ...addresses.slice(0, preferred)];
  }

  /** `address` of `hostname` failed: later requests start at the next one. */
  failed(hostname: string, address: string): void {
    const entry = this.#entries.get(bareHost(hostname));
    if (!entry || entry.addresses[entry.preferred] !== address) return;
    entry.preferred = (entry.preferred + 1) % entry.addresses.length;
  }

  /** Asks DNS for `name` again; never rejects. */
  #refresh(name: string): Promise<void> {
    const entry: Entry = this.#entries.get(name) ?? { addresses: [], expires: 0, preferred: 0 };
    if (entry.refreshing) return entry.refreshing;
    this.#entries.set(name, entry);
    return entry.refreshing = (async () => {
      const answers = await Promise.allSettled([
        this.#resolver.resolve4(name, { ttl: true }),
        this.#resolver.resolve6(name, { ttl: true }),
      ]);
      const records = answers.flatMap((a) => a.status === "fulfilled" ? a.value : []);
      const now = this.#now();
      if (records.length === 0) {
        // Keep what we had (a DNS outage should not stop a working mirror); ask again later.
        entry.expires = now + (entry.addresses.length ? this.#minTtl : NEGATIVE_TTL_MS);
        return;
      }
      const ttl = Math.min(...records.map((r) => r.ttl)) * 1000;
      const addresses = records.map((r) => r.address);
      const current = entry.addresses[entry.preferred];
      entry.addresses = addresses;
      // Stay on the address in use if it is still listed (keep-alive, and it worked).
      entry.preferred = Math.max(0, addresses.indexOf(current));
      entry.expires = now + Math.min(this.#maxTtl, Math.max(this.#minTtl, ttl));
    })().catch(() => {}).finally(() => entry.refreshing = undefined);
  }
}
