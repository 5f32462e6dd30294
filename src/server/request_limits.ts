/**
 * Requests in flight, per client address and in total. Each holds at least
 * a connection, often a cached file and an upstream connection too: past
 * the caps a request gets a 503 at once, so a flood from one address (or
 * from all) sheds load instead of running the daemon out of descriptors.
 *
 * @module
 */

/** The caps. */
export interface RequestCaps {
  readonly perAddress: number;
  readonly total: number;
}

/** Counts requests in flight; `enter` says whether one more may start. */
export class RequestLimits {
  readonly #byAddress = new Map<string, number>();
  #total = 0;
  /** Requests turned away since the start. */
  shed = 0;

  constructor(private readonly caps: RequestCaps) {}

  get inFlight(): number {
    return this.#total;
  }

  /**
   * Starts a request from `address`; the release to call once it is over,
   * or undefined: shed it. A `trusted` address (one of the allowed clients:
   * the admin's own machines) is held to the total only.
   */
  enter(address: string, trusted = false): (() => void) | undefined {
    const mine = this.#byAddress.get(address) ?? 0;
    if ((!trusted && mine >= this.caps.perAddress) || this.#total >= this.caps.total) {
      this.shed++;
      return undefined;
    }
    this.#byAddress.set(address, mine + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = this.#byAddress.get(address)! - 1;
      if (left === 0) this.#byAddress.delete(address);
      else this.#byAddress.set(address, left);
    };
  }
}
