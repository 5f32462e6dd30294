/**
 * What recent lookups say about this network: whether they find peers at
 * all, and how long the first one takes to show. From it, how long a
 * download should wait for peers before it starts from the mirror: a
 * short probe where nobody has been found lately (a file nobody holds
 * costs almost nothing), a few times the usual time to the first peer
 * where peers are found (up to `peers.wait`).
 *
 * @module
 */

import { FOUND_SAMPLES, FOUND_WAIT_FACTOR, PROBE_WAIT_MS, SHARED_MEMORY_MS } from "./constants.ts";

/** The memory of recent lookups' outcomes. */
export class ShareMemory {
  /** Ms to the first peer of recent lookups that found one, and when each ended. */
  #found: { ms: number; at: number }[] = [];
  lookups = 0;
  foundPeers = 0;

  constructor(private readonly now: () => number) {}

  /** A lookup ended: `firstPeerMs` is when it named its first peer, undefined if it named none. */
  record(firstPeerMs: number | undefined): void {
    this.lookups++;
    if (firstPeerMs === undefined) return;
    this.foundPeers++;
    this.#found.push({ ms: firstPeerMs, at: this.now() });
    if (this.#found.length > FOUND_SAMPLES) this.#found.shift();
  }

  /** How long to wait for peers before the mirror, at most `maxMs` (`peers.wait`). */
  waitMs(maxMs: number): number {
    const since = this.now() - SHARED_MEMORY_MS;
    const recent = this.#found.filter((f) => f.at >= since).map((f) => f.ms).sort((a, b) => a - b);
    if (recent.length === 0) return Math.min(PROBE_WAIT_MS, maxMs);
    const p90 = recent[Math.floor(0.9 * (recent.length - 1))];
    return Math.min(maxMs, Math.max(PROBE_WAIT_MS, Math.ceil(FOUND_WAIT_FACTOR * p90)));
  }
}
