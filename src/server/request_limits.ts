/**
 * Requests in flight, per client address and in total. Each holds at least
 * a connection, often a cached file and an upstream connection too: past
 * the caps a request gets a 503 at once, so a flood from one address (or
 * from all) sheds load instead of running the daemon out of descriptors.
 *
 * @module
 */

import { HeldCounts } from "../util/held_counts.ts";

/** The caps. */
export interface RequestCaps {
  readonly perAddress: number;
  readonly total: number;
}

/** Counts requests in flight; `enter` says whether one more may start. */
export class RequestLimits {
  readonly #held = new HeldCounts();
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
    return this.#held.hold(address);
  }
}
