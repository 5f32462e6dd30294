/**
 * Per-source-address token buckets for incoming queries. The number of
 * tracked addresses is capped, so a flood from many addresses cannot grow
 * memory without bound.
 *
 * @module
 */

import { RATE_LIMIT_BURST, RATE_LIMIT_PER_SECOND, RATE_LIMIT_TRACKED } from "./constants.ts";

/** Decides whether one more query from an address may be answered now. */
export class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly perSecond = RATE_LIMIT_PER_SECOND,
    private readonly burst = RATE_LIMIT_BURST,
    private readonly tracked = RATE_LIMIT_TRACKED,
  ) {}

  /** Takes a token for `address`; false when it has none left. */
  allow(address: string): boolean {
    const now = this.now();
    let bucket = this.#buckets.get(address);
    if (bucket) {
      this.#buckets.delete(address); // re-insert below: Map order is recency
      bucket.tokens = Math.min(
        this.burst,
        bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
      );
      bucket.at = now;
    } else {
      if (this.#buckets.size >= this.tracked) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = { tokens: this.burst, at: now };
    }
    this.#buckets.set(address, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
