/**
 * Connections open per client address and in total. The admin's own
 * machines (the allowed clients) get a generous cap, other addresses (peers
 * asking by hash, or strangers) a small one, and the total stays below
 * the descriptor limit, so that no one address, and no flood from many,
 * can take the descriptors the daemon needs for its cache and its mirrors.
 *
 * @module
 */

import { HeldCounts } from "../util/held_counts.ts";

/** The caps. */
export interface ConnectionCapValues {
  /** Per address among the allowed clients. */
  readonly perClient: number;
  /** Per address that is not an allowed client. */
  readonly perStranger: number;
  readonly total: number;
}

/** Why a connection was turned away. */
export type CapReason = "per_client" | "per_stranger" | "total";

/** A refusal is reported at most this often per address (a flood must not flood the log). */
const REPORT_EVERY_MS = 60_000;
/** Addresses whose last report is remembered; past it all are forgotten. */
const REPORTS_KEPT = 4096;

/** Counts connections; `admit` says whether one more may open. */
export class ConnectionCaps {
  readonly #held = new HeldCounts();
  /** When each address's last refusal was reported, and the refusals since. */
  readonly #reported = new Map<string, number>();
  readonly #pending = new Map<string, number>();

  constructor(
    private caps: ConnectionCapValues,
    /** Whether an address is one of the allowed clients (read per connection: reloads apply). */
    private readonly allows: (address: string) => boolean,
    /** Told of a refusal, at most once a minute per address, with how many since the last. */
    private readonly report: (address: string, reason: CapReason, count: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Connections open now. */
  get open(): number {
    return this.#held.total;
  }

  /** New caps, from the next connection on. */
  setCaps(caps: ConnectionCapValues): void {
    this.caps = caps;
  }

  /** Admits a connection from `address`: its release, or why it is to be closed at once. */
  admit(address: string): (() => void) | CapReason {
    const mine = this.#held.of(address);
    const allowed = this.allows(address);
    const reason: CapReason | undefined = this.#held.total >= this.caps.total
      ? "total"
      : allowed && mine >= this.caps.perClient
      ? "per_client"
      : !allowed && mine >= this.caps.perStranger
      ? "per_stranger"
      : undefined;
    if (reason) {
      this.#noteRefusal(address, reason);
      return reason;
    }
    return this.#held.hold(address);
  }

  #noteRefusal(address: string, reason: CapReason): void {
    const now = this.now();
    const last = this.#reported.get(address);
    const count = (this.#pending.get(address) ?? 0) + 1;
    if (last !== undefined && now - last < REPORT_EVERY_MS) {
      if (this.#pending.size < REPORTS_KEPT) this.#pending.set(address, count);
      return;
    }
    if (this.#reported.size >= REPORTS_KEPT) this.#reported.clear();
    this.#reported.set(address, now);
    this.#pending.delete(address);
    this.report(address, reason, count);
  }
}
