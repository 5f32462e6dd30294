/**
 * The cache's upkeep in the background: the start-up scan, size limit and
 * expiry, and the matching of shared files against trusted indexes.
 *
 * @module
 */

import { type ArchiveIndex, isImmutable } from "../apt/mod.ts";
import { CacheKeeper, type EvictionPolicy } from "../cache/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import { SharedMatcher } from "../peers/mod.ts";
import { SHARED_MATCH_DELAY_MS } from "./constants.ts";
import type { DaemonEvents, Emitter } from "./events.ts";
import type { Component } from "./lifecycle.ts";
import type { LiveConfig } from "./live_config.ts";
import type { Storage } from "./storage.ts";

const policyOf = (config: Config, index: ArchiveIndex): EvictionPolicy => ({
  maxBytes: config.cache.maxSize,
  expireDays: config.cache.expireDays,
  expires: isImmutable,
  lastListed: (key, usedAt) => index.lastListed(key, usedAt),
});

/** The keeper and the shared-file matcher, fed by events. */
export class Upkeep implements Component {
  readonly keeper: CacheKeeper;
  readonly #matcher: SharedMatcher;

  constructor(deps: {
    readonly live: LiveConfig;
    readonly storage: Storage;
    readonly index: ArchiveIndex;
    readonly events: Emitter<DaemonEvents>;
    readonly log: Logger;
  }) {
    const { live, storage: { cache }, index, events, log } = deps;
    const shared = live.current.cache.extraDirectories; // not reloadable
    this.#matcher = new SharedMatcher(
      {
        shared: cache,
        index,
        log,
        announce: (sha256) => void events.emit("sharedTrusted", sha256),
      },
      shared.length > 0,
      SHARED_MATCH_DELAY_MS,
    );
    this.keeper = new CacheKeeper(
      cache,
      policyOf(live.current, index),
      log.child({ part: "cache" }),
      (key, sha256) => void events.emit("removed", { key, sha256 }),
      {
        sharedDirectories: shared,
        onShared: () => void events.emit("sharedScanned", undefined),
      },
    );
    events.on("committed", () => this.keeper.committed());
    events.on("listed", () => this.#matcher.schedule());
    events.on("sharedScanned", () => this.#matcher.schedule());
    live.subscribe((next) => this.keeper.reconfigure(policyOf(next, index)));
  }

  start(): void {
    this.keeper.start();
  }

  async stop(): Promise<void> {
    await this.keeper.stop();
    this.#matcher.stop();
  }
}
