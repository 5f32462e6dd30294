/**
 * Which clients use the proxy: requests, bytes and cache hits per address,
 * for this run (a laptop's address today says little about last month).
 *
 * @module
 */

import { RecentTable } from "./recent_table.ts";
import { isHit, type ServedFrom } from "./served_from.ts";

/** Addresses kept; past it the one seen longest ago is dropped (a /16 of strangers cannot grow it). */
export const CLIENTS_KEPT = 256;

/** One client's figures, as `/stats.json` gives them. */
export interface ClientFigures {
  readonly address: string;
  requests: number;
  bytes: number;
  /** Requests answered from the cache. */
  hits: number;
  /** Epoch milliseconds of its latest request. */
  lastSeen: number;
}

/** The clients of this run, the latest first. */
export class ClientActivity {
  readonly #table = new RecentTable<ClientFigures>(
    CLIENTS_KEPT,
    (address) => ({ address, requests: 0, bytes: 0, hits: 0, lastSeen: 0 }),
  );

  /** Counts one answered request of `address`. */
  served(address: string, source: ServedFrom, bytes: number, now: number): void {
    const row = this.#table.touch(address);
    row.requests++;
    row.bytes += bytes;
    if (isHit(source)) row.hits++;
    row.lastSeen = now;
  }

  /** Every client, the latest first. */
  all(): readonly ClientFigures[] {
    return this.#table.rows();
  }
}
