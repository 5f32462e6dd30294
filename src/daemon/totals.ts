/**
 * Traffic totals that survive restarts: saved every few seconds and once
 * more at stop.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "../log/mod.ts";
import { PersistedCounters, type TrafficCounters } from "../stats/mod.ts";
import { TOTALS_SAVE_INTERVAL_MS } from "./constants.ts";
import type { Component } from "./lifecycle.ts";

/** The all-time counters, kept in the database. */
export class Totals implements Component {
  readonly #totals: PersistedCounters;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(db: DatabaseSync, counters: TrafficCounters, private readonly log: Logger) {
    this.#totals = new PersistedCounters(db, counters);
  }

  /** All-time figures for the status page. */
  totals(): ReturnType<PersistedCounters["totals"]> {
    return this.#totals.totals();
  }

  start(): void {
    this.#timer = setInterval(() => {
      try {
        this.#totals.save();
      } catch (error) {
        this.log.warn("stats.save_failed", { error });
      }
    }, TOTALS_SAVE_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#totals.save();
  }
}
