/**
 * Stalls of the event loop. Everything in the daemon runs on one thread,
 * so one task that runs long (a decoder looping on hostile input, a slow
 * query) holds up every request and datagram behind it. A timer ticks
 * every `tickMs`; a tick that comes late by more than that was held up by
 * a stall of that much (less than its whole length by up to one tick).
 * The longest of the last minute goes to `/stats.json` and `/metrics`;
 * one past `reportAfterMs` is reported as it ends.
 *
 * @module
 */

/** How often the loop is sampled; a stall is measured to within this. */
export const LOOP_TICK_MS = 50;
/** The window of the "longest stall" figure. */
export const LOOP_WINDOW_MS = 60_000;
/** A stall this long is reported (logged) when it ends. */
export const LOOP_REPORT_AFTER_MS = 1_000;

/** What the watchdog needs of time; tests pass a fake. */
export interface LoopClock {
  now(): number;
  setInterval(fn: () => void, ms: number): number;
  clearInterval(id: number): void;
}

const systemClock: LoopClock = {
  now: () => performance.now(),
  setInterval: (fn, ms) => {
    const id = setInterval(fn, ms) as unknown as number;
    Deno.unrefTimer(id); // the watchdog alone must not keep a process alive
    return id;
  },
  clearInterval: (id) => clearInterval(id),
};

/** The figures: the longest stall in the window, and the count of reported ones. */
export interface LoopStallFigures {
  readonly longestMsLastMinute: number;
  readonly reported: number;
}

/** Samples the event loop; `start` and `stop` as a daemon part. */
export class LoopStalls {
  readonly #tickMs: number;
  readonly #windowMs: number;
  readonly #reportAfterMs: number;
  readonly #clock: LoopClock;
  readonly #onReport: (ms: number) => void;
  /** Stalls of the window, oldest first: at most one per tick, so bounded by window / tick. */
  readonly #stalls: { at: number; ms: number }[] = [];
  #timer: number | undefined;
  #last = 0;
  #reported = 0;

  constructor(
    options: {
      tickMs?: number;
      windowMs?: number;
      reportAfterMs?: number;
      clock?: LoopClock;
      /** Called when a stall past `reportAfterMs` ends, with its length. */
      onReport?: (ms: number) => void;
    } = {},
  ) {
    this.#tickMs = options.tickMs ?? LOOP_TICK_MS;
    this.#windowMs = options.windowMs ?? LOOP_WINDOW_MS;
    this.#reportAfterMs = options.reportAfterMs ?? LOOP_REPORT_AFTER_MS;
    this.#clock = options.clock ?? systemClock;
    this.#onReport = options.onReport ?? (() => {});
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#last = this.#clock.now();
    this.#timer = this.#clock.setInterval(() => this.#tick(), this.#tickMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The longest stall of the window, in ms (0 when none), and how many were reported. */
  figures(): LoopStallFigures {
    this.#forget(this.#clock.now());
    let longest = 0;
    for (const stall of this.#stalls) longest = Math.max(longest, stall.ms);
    return { longestMsLastMinute: Math.round(longest), reported: this.#reported };
  }

  #tick(): void {
    const now = this.#clock.now();
    const late = now - this.#last - this.#tickMs;
    this.#last = now;
    if (late >= 1) this.#stalls.push({ at: now, ms: late });
    this.#forget(now);
    if (late >= this.#reportAfterMs) {
      this.#reported++;
      this.#onReport(Math.round(late));
    }
  }

  #forget(now: number): void {
    let drop = 0;
    while (drop < this.#stalls.length && now - this.#stalls[drop].at > this.#windowMs) drop++;
    if (drop) this.#stalls.splice(0, drop);
  }
}
