/**
 * The archive's indexes and the keys that decide which of them are
 * trusted. Committed files are read from the "committed" event; what the
 * index learns (a listing read, a Release signed, a diff Index arrived)
 * goes out as events.
 *
 * @module
 */

import { ArchiveIndex, LISTING_MAX_DEFER_MS, LISTING_QUIET_MS, ListingWorker } from "../apt/mod.ts";
import type { RequestLimits } from "../server/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type KeyringPlaces, TrustedKeys } from "../trust/mod.ts";
import type { DaemonEvents, Emitter } from "./events.ts";
import type { Component } from "./lifecycle.ts";
import type { LiveConfig } from "./live_config.ts";
import type { Storage } from "./storage.ts";

const keyringsOf = (config: Config): KeyringPlaces => ({
  apt: config.trust.aptKeyrings,
  extra: config.trust.keyrings,
});

/** The trusted keys and the archive index. */
export class Archive implements Component {
  readonly keys: TrustedKeys;
  readonly index: ArchiveIndex;
  readonly #storage: Storage;
  /** Packages and Sources are read off the serving thread, at low priority. */
  readonly #listings: ListingWorker;

  constructor(deps: {
    readonly live: LiveConfig;
    readonly storage: Storage;
    readonly events: Emitter<DaemonEvents>;
    /** Requests in flight: listings are read once apt's burst is over. */
    readonly limits: RequestLimits;
    readonly log: Logger;
  }) {
    const { live, storage, events, limits, log } = deps;
    this.#storage = storage;
    this.#listings = new ListingWorker(storage.databasePath, {
      startWhen: (signal) => limits.whenQuiet(LISTING_QUIET_MS, LISTING_MAX_DEFER_MS, signal),
    });
    this.keys = new TrustedKeys(keyringsOf(live.current), log);
    this.index = new ArchiveIndex(storage.db, log, Date.now, {
      keys: this.keys,
      readCached: (key) => storage.readCached(key),
      followDiffs: (change) => events.emit("diffIndex", change),
      onListing: () => void events.emit("listed", undefined),
      onSigned: (key) => void events.emit("releaseSigned", key),
      listingWorker: this.#listings,
    });
    // Every verified file that is an index is read once committed, by whoever committed it.
    events.on("committed", (file) => this.index.ingestInBackground(file.key, file.path));
    live.subscribe((next) =>
      this.keys.reconfigure(keyringsOf(next)).catch((error) =>
        log.error("trust.reload_failed", { error })
      )
    );
  }

  /** Indexes whose ingest a kill cut short are read again from the cache. */
  start(): void {
    const cache = this.#storage.cache;
    this.index.resumeUnfinished((key) => {
      const cached = cache.open(key);
      if (!cached) return undefined;
      cached.file.close();
      return cache.pathOf(key);
    });
  }

  /** Ingests still running (started by the last downloads) finish before the database closes. */
  async drain(): Promise<void> {
    await this.index.settled(); // listings waiting for apt's burst to end are read now
    this.#listings.stop();
  }
}
