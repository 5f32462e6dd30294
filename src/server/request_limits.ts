/**
 * Requests in flight, per client address and in total. Each holds at least
 * a connection, often a cached file and an upstream connection too: past
 * the caps a request gets a 503 at once, so a flood from one address (or
 * from all) sheds load instead of running the daemon out of descriptors.
 *
 * @module
 */

import { monotonicClock, sleep } from "../util/clock.ts";
import { HeldCounts } from "../util/held_counts.ts";

/** The caps. */
export interface RequestCaps {
  readonly perAddress: number;
  readonly total: number;
}

/** Counts requests in flight; `enter` says whether one more may start. */
export class RequestLimits {
  readonly #held = new HeldCounts();
  /** Requests started since the start (whenQuiet sees a burst by it changing). */
  #entered = 0;
  /** Requests turned away since the start. */
  shed = 0;

  constructor(private readonly caps: RequestCaps) {}

  get inFlight(): number {
    return this.#held.total;
  }

  /**
   * Starts a request from `address`; the release to call once it is over,
   * or undefined: shed it. A `trusted` address (one of the allowed clients:
   * the admin's own machines) is held to the total only.
   */
  enter(address: string, trusted = false): (() => void) | undefined {
    const mine = this.#held.of(address);
    if ((!trusted && mine >= this.caps.perAddress) || this.#held.total >= this.caps.total) {
      this.shed++;
      return undefined;
    }
    this.#entered++;
    return this.#held.hold(address);
  }

  /**
   * Resolves once no request has been in flight for `quietMs` (a client's
   * burst is over), after `maxMs` at the latest, or at once when `signal`
   * aborts.
   */
  async whenQuiet(
    quietMs: number,
    maxMs: number,
    signal = new AbortController().signal,
  ): Promise<void> {
    // Looked at a few times per quiet time, not at every request: a hit costs nothing more.
    const step = Math.max(10, quietMs / 8);
    const deadline = performance.now() + maxMs;
    let quietSince = performance.now();
    let seen = this.#entered;
    while (!signal.aborted) {
      const now = performance.now();
      if (this.#held.total > 0 || this.#entered !== seen) [quietSince, seen] = [now, this.#entered];
      if (now - quietSince >= quietMs || now >= deadline) return;
      const wait = Math.min(step, quietSince + quietMs - now, deadline - now);
      await sleep(monotonicClock, wait, signal).catch(() => {}); // aborted: hurried, go now
    }
  }
}
