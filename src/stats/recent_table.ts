/**
 * A table of rows by key that keeps the most recently touched ones: clients
 * and mirrors are named by whoever sends requests, so the table is bounded
 * and the one touched longest ago goes first.
 *
 * @module
 */

/** Rows by key, at most `limit`, the least recently touched dropped first. */
export class RecentTable<Row> {
  readonly #rows = new Map<string, Row>();

  constructor(private readonly limit: number, private readonly create: (key: string) => Row) {}

  /** The row of `key` (made if new), now the most recently touched. */
  touch(key: string): Row {
    let row = this.#rows.get(key);
    if (row) {
      this.#rows.delete(key); // re-inserted: a Map keeps insertion order, oldest first
    } else {
      row = this.create(key);
      if (this.#rows.size >= this.limit) this.#rows.delete(this.#rows.keys().next().value!);
    }
    this.#rows.set(key, row);
    return row;
  }

  /** Every row, the most recently touched first. */
  rows(): Row[] {
    return [...this.#rows.values()].reverse();
  }
}
