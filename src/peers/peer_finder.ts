/**
 * Finding peers for a file before a download starts: a DHT lookup for the
 * file's key. The download waits for it only as long as this network's
 * recent lookups suggest a holder would show (share_memory.ts): a file
 * nobody holds must not cost noticeably more than the mirror alone. The
 * lookup itself goes on up to `peers.wait`, to learn whether it was held.
 *
 * @module
 */

import type { Endpoint } from "../dht/mod.ts";
import { type Clock, monotonicClock } from "../util/clock.ts";
import { dhtKeyOf } from "./announcer.ts";
import { ShareMemory } from "./share_memory.ts";

/** What the finder needs of a DHT node. */
export interface PeerLookup {
  findPeers(key: Uint8Array, options: { signal?: AbortSignal }): AsyncGenerator<Endpoint, unknown>;
}

/** Tunables, with their defaults. */
export interface PeerFinderOptions {
  /** How long a lookup looks at most (ms; `peers.wait`). */
  readonly waitMs?: number;
  /** Peers to try at most. */
  readonly maxPeers?: number;
  readonly clock?: Clock;
  /** Told of each peer as it is found (its votes start being read at once). */
  readonly onFound?: (peer: Endpoint) => void;
}

/** Finds peers that announced a file. */
export class PeerFinder {
  readonly #waitMs: number;
  readonly #maxPeers: number;
  readonly #clock: Clock;
  readonly #onFound?: (peer: Endpoint) => void;
  /** What recent lookups found: how long the next download waits for them. */
  readonly memory: ShareMemory;

  constructor(
    private readonly dht: PeerLookup,
    /** True for an endpoint that is this daemon itself. */
    private readonly isSelf: (peer: Endpoint) => boolean,
    options: PeerFinderOptions = {},
  ) {
    this.#waitMs = options.waitMs ?? 300;
    this.#maxPeers = options.maxPeers ?? 4;
    this.#clock = options.clock ?? monotonicClock;
    this.#onFound = options.onFound;
    this.memory = new ShareMemory(() => this.#clock.now());
  }

  /**
   * Peers for the file with this SHA-256 (`max`: more than the default).
   * Resolves with those found once `max` are, the lookup ends, or the wait
   * the memory advises is over; `patient`: the whole `peers.wait` (a fleet
   * looking again for others that fetch the same file).
   */
  find(
    sha256: string,
    max = this.#maxPeers,
    options: { patient?: boolean } = {},
  ): Promise<Endpoint[]> {
    const clock = this.#clock;
    const started = clock.now();
    const found: Endpoint[] = [];
    const { promise, resolve } = Promise.withResolvers<Endpoint[]>();
    const waitMs = options.patient ? this.#waitMs : this.memory.waitMs(this.#waitMs);
    const enough = clock.setTimeout(() => resolve([...found]), waitMs);
    const done = new AbortController();
    const timeout = clock.setTimeout(
      () => done.abort(new Error("peers.wait is over")),
      this.#waitMs,
    );
    (async () => {
      let firstMs: number | undefined;
      try {
        for await (const peer of this.dht.findPeers(dhtKeyOf(sha256), { signal: done.signal })) {
          if (this.isSelf(peer)) continue;
          firstMs ??= clock.now() - started;
          found.push(peer);
          this.#onFound?.(peer);
          if (found.length >= max) break;
        }
      } catch {
        // The wait ended (or the lookup failed): what was found stands.
      } finally {
        clock.clearTimeout(enough);
        clock.clearTimeout(timeout);
        done.abort(new Error("peer search done"));
        this.memory.record(firstMs);
        resolve([...found]);
      }
    })();
    return promise;
  }
}
