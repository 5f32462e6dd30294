/**
 * Bytes served to apt per hour, by where they came from (the cache, peers,
 * mirrors), for the status page's history: the last 24 hours and, summed by
 * UTC day, the last 30 days. Hours are kept for those 30 days and saved with
 * the totals (persisted.ts), so the history survives restarts.
 *
 * @module
 */

import { isHit } from "./served_from.ts";

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Entries of `history.hourly`. */
export const HOURS_SHOWN = 24;
/** Entries of `history.daily`, and how long hours are kept. */
export const DAYS_SHOWN = 30;

/** One hour's bytes (`hour`: epoch milliseconds of its start). */
export interface HourRow {
  readonly hour: number;
  cache: number;
  peer: number;
  mirror: number;
}

/** One entry of the history in `/stats.json`. */
export interface HistoryEntry {
  /** When the hour or day began (UTC). */
  readonly start: string;
  readonly from_cache: number;
  readonly from_peers: number;
  readonly from_mirrors: number;
}

/** The hours of the last 30 days; the ones changed since the last save are marked. */
export class TrafficHistory {
  readonly #hours = new Map<number, HourRow>();
  readonly #changed = new Set<number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts `bytes` served from `source` in the hour of `at` (now). */
  add(source: string, bytes: number, at = this.now()): void {
    const column = isHit(source)
      ? "cache"
      : source === "peer" || source === "mirror"
      ? source
      : null;
    if (!column || bytes <= 0) return;
    const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
    let row = this.#hours.get(hour);
    if (!row) {
      row = { hour, cache: 0, peer: 0, mirror: 0 };
      this.#hours.set(hour, row);
    }
    row[column] += bytes;
    this.#changed.add(hour);
  }

  /** Takes in saved hours (at start; an hour this run already counted in is added to). */
  load(rows: Iterable<HourRow>): void {
    const oldest = this.#oldestKept();
    for (const saved of rows) {
      if (saved.hour < oldest) continue;
      const row = this.#hours.get(saved.hour);
      if (row) {
        row.cache += saved.cache;
        row.peer += saved.peer;
        row.mirror += saved.mirror;
      } else this.#hours.set(saved.hour, { ...saved });
    }
  }

  /** The hours changed since the last call (to save), and forgets those past 30 days. */
  takeChanged(): { changed: HourRow[]; oldestKept: number } {
    const oldestKept = this.#oldestKept();
    for (const hour of this.#hours.keys()) if (hour < oldestKept) this.#hours.delete(hour);
    const changed = [...this.#changed].flatMap((hour) => this.#hours.get(hour) ?? []);
    this.#changed.clear();
    return { changed, oldestKept };
  }

  /** Marks `rows` changed again: their save failed. */
  unsaved(rows: readonly HourRow[]): void {
    for (const row of rows) this.#changed.add(row.hour);
  }

  /** The last 24 hours, the oldest first, the current one last. */
  hourly(): HistoryEntry[] {
    const current = Math.floor(this.now() / HOUR_MS) * HOUR_MS;
    return Array.from({ length: HOURS_SHOWN }, (_, i) => {
      const hour = current - (HOURS_SHOWN - 1 - i) * HOUR_MS;
      return entry(hour, [this.#hours.get(hour)]);
    });
  }

  /** The last 30 UTC days, the oldest first, today last. */
  daily(): HistoryEntry[] {
    const today = Math.floor(this.now() / DAY_MS) * DAY_MS;
    const byDay = new Map<number, HourRow[]>();
    for (const row of this.#hours.values()) {
      const day = Math.floor(row.hour / DAY_MS) * DAY_MS;
      const rows = byDay.get(day);
      if (rows) rows.push(row);
      else byDay.set(day, [row]);
    }
    return Array.from({ length: DAYS_SHOWN }, (_, i) => {
      const day = today - (DAYS_SHOWN - 1 - i) * DAY_MS;
      return entry(day, byDay.get(day) ?? []);
    });
  }

  #oldestKept(): number {
    return Math.floor(this.now() / DAY_MS) * DAY_MS - (DAYS_SHOWN - 1) * DAY_MS;
  }
}

function entry(start: number, rows: readonly (HourRow | undefined)[]): HistoryEntry {
  let [cache, peer, mirror] = [0, 0, 0];
  for (const row of rows) {
    cache += row?.cache ?? 0;
    peer += row?.peer ?? 0;
    mirror += row?.mirror ?? 0;
  }
  return {
    start: new Date(start).toISOString(),
    from_cache: cache,
    from_peers: peer,
    from_mirrors: mirror,
  };
}
