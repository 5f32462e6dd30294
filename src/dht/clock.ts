/**
 * Time for the DHT, injectable so tests can drive retransmissions and
 * expiry without waiting.
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
