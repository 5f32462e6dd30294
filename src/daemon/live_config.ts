/**
 * The running daemon's configuration: one object that parts subscribe to,
 * replaced whole on reload (SIGHUP). Config objects are never mutated.
 *
 * @module
 */

import { changedKeys, type Config, RELOADABLE_KEYS } from "../config/mod.ts";

/** What a reload did: keys that apply now, keys that need a restart. */
export interface ReloadResult {
  readonly applied: string[];
  readonly restart: string[];
}

/** The current configuration, and who is told when it changes. */
export class LiveConfig {
  #current: Config;
  readonly #listeners = new Set<(next: Config) => void>();

  constructor(initial: Config) {
    this.#current = initial;
  }

  /** The configuration now. */
  get current(): Config {
    return this.#current;
  }

  /**
   * Calls `listener` with each new configuration. Listeners take only the
   * keys in RELOADABLE_KEYS from it; the rest wait for a restart.
   */
  subscribe(listener: (next: Config) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Makes `next` current and tells the subscribers. */
  replace(next: Config): ReloadResult {
    const changed = changedKeys(this.#current, next);
    this.#current = next;
    for (const listener of this.#listeners) listener(next);
    return {
      applied: changed.filter((key) => RELOADABLE_KEYS.has(key)),
      restart: changed.filter((key) => !RELOADABLE_KEYS.has(key)),
    };
  }
}
