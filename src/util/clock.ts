/**
 * Time, injectable so tests can drive retransmissions, expiry and the piece
 * scheduler's hedges on a clock that moves only when told.
 *
 * @module
 */

/** A timer handle of {@link Clock}. */
export type TimerId = number;

/** Wall time and timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerId,
  clearTimeout: (id) => clearTimeout(id),
};

/** The real clock on monotonic time (durations and deadlines: no jumps when the wall clock is set). */
export const monotonicClock: Clock = {
  ...systemClock,
  now: () => performance.now(),
};

/** Waits `ms` on `clock`, or until `signal` aborts (then throws its reason). */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
