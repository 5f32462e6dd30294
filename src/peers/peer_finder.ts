/**
 * Finding peers for a file before a download starts: a DHT lookup for the
 * file's key, given a short time (the mirror is the fallback, and apt must
 * not wait noticeably longer than with the mirror alone).
 *
 * @module
 */

import type { Endpoint } from "../dht/mod.ts";
import { dhtKeyOf } from "./announcer.ts";

/** What the finder needs of a DHT node. */
export interface PeerLookup {
  findPeers(key: Uint8Array, options: { signal?: AbortSignal }): AsyncGenerator<Endpoint, unknown>;
}

/** Tunables, with their defaults. */
export interface PeerFinderOptions {
  /** How long to look before going on with what was found (ms). */
  readonly waitMs?: number;
  /** Peers to try at most. */
  readonly maxPeers?: number;
}

/** Finds peers that announced a file. */
export class PeerFinder {
  readonly #waitMs: number;
  readonly #maxPeers: number;

  constructor(
    private readonly dht: PeerLookup,
    /** True for an endpoint that is this daemon itself. */
    private readonly isSelf: (peer: Endpoint) => boolean,
    options: PeerFinderOptions = {},
  ) {
    this.#waitMs = options.waitMs ?? 300;
    this.#maxPeers = options.maxPeers ?? 4;
  }

  /** Peers for the file with this SHA-256, as found within the wait (`max`: more than the default). */
  async find(sha256: string, max = this.#maxPeers): Promise<Endpoint[]> {
    const found: Endpoint[] = [];
    const done = new AbortController();
    const signal = AbortSignal.any([AbortSignal.timeout(this.#waitMs), done.signal]);
    try {
      for await (const peer of this.dht.findPeers(dhtKeyOf(sha256), { signal })) {
        if (this.isSelf(peer)) continue;
        found.push(peer);
        if (found.length >= max) break;
      }
    } catch {
      // The wait ended (or the lookup failed): go on with what was found.
    } finally {
      done.abort(new Error("peer search done"));
    }
    return found;
  }
}
