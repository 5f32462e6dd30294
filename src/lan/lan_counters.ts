/**
 * Named counters of what LAN discovery heard, sent and dropped.
 *
 * @module
 */

/** Counts by name; names appear once first counted. */
export class LanCounters {
  readonly #counts = new Map<string, number>();

  add(name: string, by = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
