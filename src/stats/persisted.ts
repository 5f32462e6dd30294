/**
 * All-time counters: the totals of earlier runs, kept in the database, plus
 * this run's. Saved every few seconds and at shutdown, not per request, so a
 * cache hit costs no database write.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { TrafficCounters } from "./counters.ts";
import type { HourRow } from "./traffic_history.ts";

/**
 * Totals in the shape of {@link TrafficCounters.snapshot}, without the
 * connection and tunnel counts (this run's only: a flood long ago says
 * nothing now; the bytes tunnelled are kept, with the wire's).
 */
export type Totals = Omit<ReturnType<TrafficCounters["snapshot"]>, "connections" | "tunnels">;

/** The counters of this run on top of the totals of the runs before. */
export class PersistedCounters {
  readonly #base: Totals;
  readonly #save: StatementSync;
  readonly #saveHour: StatementSync;
  readonly #pruneHours: StatementSync;

  constructor(private readonly db: DatabaseSync, private readonly session: TrafficCounters) {
    this.#save = db.prepare(
      "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
    );
    const base: Totals = {
      requests: {},
      bytes: {},
      refused: 0,
      uploaded: 0,
      uploaded_growing: 0,
      wire: {},
    };
    for (
      const row of db.prepare("SELECT name, value FROM counters").all() as {
        name: string;
        value: number;
      }[]
    ) {
      const [group, key] = row.name.split(".", 2);
      if ((group === "requests" || group === "bytes" || group === "wire") && key) {
        base[group][key] = row.value;
      } else if (group === "refused" || group === "uploaded" || group === "uploaded_growing") {
        base[group] = row.value;
      }
    }
    this.#base = base;
    this.#saveHour = db.prepare(
      "INSERT INTO traffic_hours (hour, cache, peer, mirror) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT(hour) DO UPDATE SET cache = excluded.cache, peer = excluded.peer, mirror = excluded.mirror",
    );
    this.#pruneHours = db.prepare("DELETE FROM traffic_hours WHERE hour < ?");
    session.history.load(
      db.prepare("SELECT hour, cache, peer, mirror FROM traffic_hours")
        .all() as unknown as HourRow[],
    );
  }

  /** Earlier runs plus this one. */
  totals(): Totals {
    const now = this.session.snapshot();
    const add = (a: Record<string, number>, b: Record<string, number>) => {
      const out = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    return {
      requests: add(this.#base.requests, now.requests),
      bytes: add(this.#base.bytes, now.bytes),
      refused: this.#base.refused + now.refused,
      uploaded: this.#base.uploaded + now.uploaded,
      uploaded_growing: this.#base.uploaded_growing + now.uploaded_growing,
      wire: add(this.#base.wire, now.wire),
    };
  }

  /** Writes the totals (absolute values: saving twice is harmless). */
  save(): void {
    const totals = this.totals();
    const { changed, oldestKept } = this.session.history.takeChanged();
    this.db.exec("BEGIN");
    try {
      for (const [k, v] of Object.entries(totals.requests)) this.#save.run(`requests.${k}`, v);
      for (const [k, v] of Object.entries(totals.bytes)) this.#save.run(`bytes.${k}`, v);
      for (const [k, v] of Object.entries(totals.wire)) this.#save.run(`wire.${k}`, v);
      this.#save.run("refused", totals.refused);
      this.#save.run("uploaded", totals.uploaded);
      this.#save.run("uploaded_growing", totals.uploaded_growing);
      for (const h of changed) this.#saveHour.run(h.hour, h.cache, h.peer, h.mirror);
      this.#pruneHours.run(oldestKept);
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      this.session.history.unsaved(changed); // saved next time
      throw error;
    }
  }
}
