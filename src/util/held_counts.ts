/**
 * Things held per key (a client's address) and in total, each released
 * exactly once: the bookkeeping under the caps on connections and on
 * requests in flight.
 *
 * @module
 */

/** Counts per key and in total. */
export class HeldCounts {
  readonly #byKey = new Map<string, number>();
  #total = 0;

  /** Held in all. */
  get total(): number {
    return this.#total;
  }

  /** Held under `key`. */
  of(key: string): number {
    return this.#byKey.get(key) ?? 0;
  }

  /** Holds one more under `key`; the release, which counts once however often it is called. */
  hold(key: string): () => void {
    this.#byKey.set(key, this.of(key) + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = this.of(key) - 1;
      if (left === 0) this.#byKey.delete(key);
      else this.#byKey.set(key, left);
    };
  }
}
