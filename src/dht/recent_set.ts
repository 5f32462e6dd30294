/**
 * Keys seen recently: each is let through once per period, and at most
 * `capacity` are remembered (the oldest go first), so a flood of new keys
 * cannot grow it.
 *
 * @module
 */

/** A bounded set whose members expire. */
export class RecentSet {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly periodMs: number,
    private readonly capacity: number,
  ) {}

  /** True when `key` was not seen within the period (and now is); false when it was. */
  add(key: string): boolean {
    const now = this.now();
    const at = this.#seen.get(key);
    if (at !== undefined && now - at < this.periodMs) return false;
    this.#seen.delete(key);
    if (this.#seen.size >= this.capacity) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, now);
    return true;
  }
}
