/**
 * Requests in flight, per client address and in total. Each holds at least
 * a connection, often a cached file and an upstream connection too: past
 * the caps a request gets a 503 at once, so a flood from one address (or
 * from all) sheds load instead of running the daemon out of descriptors.
 *
 * @module
 */

import { HeldCounts } from "../util/held_counts.ts";

/** Waits `ms`, or less when `signal` aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The caps. */
export interface RequestCaps {
  readonly perAddress: number;
  readonly total: number;
}

/** Counts requests in flight; `enter` says whether one more may start. */
export class RequestLimits {
  readonly #held = new HeldCounts();
  /** When a request last started or ended (performance.now()). */
  #lastActive = performance.now();
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
    const release = this.#held.hold(address);
    this.#lastActive = performance.now();
    return () => {
      release();
      this.#lastActive = performance.now();
    };
  }

  /**
   * Resolves once no request has been in flight for `quietMs` (a client's
   * burst is over), after `maxMs` at the latest, or at once when `signal`
   * aborts.
   */
  async whenQuiet(quietMs: number, maxMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + maxMs;
    while (!signal?.aborted) {
      const now = performance.now();
      const quietFor = this.#held.total === 0 ? now - this.#lastActive : 0;
      if (quietFor >= quietMs || now >= deadline) return;
      await sleep(Math.min(quietMs - quietFor, deadline - now), signal);
    }
  }
}
