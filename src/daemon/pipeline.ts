/**
 * The apt pipeline and the pdiff follower that feeds patches through it.
 * Both report commits as events; a reload reaches the pipeline through
 * `reconfigure`.
 *
 * @module
 */

import type { CachedFile } from "../cache/mod.ts";
import type { Config } from "../config/mod.ts";
import type { MirrorClient } from "../fetch/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  AptPipeline,
  archiveTargetOf,
  PdiffFollower,
  type PipelineOptions,
  type PipelinePeers,
} from "../server/mod.ts";
import type { Archive } from "./archive.ts";
import { INGEST_WAIT_MS, INTERNAL_ORIGIN } from "./constants.ts";
import type { DaemonEvents, Emitter } from "./events.ts";
import type { Component } from "./lifecycle.ts";
import type { LiveConfig } from "./live_config.ts";
import type { Storage } from "./storage.ts";

/** What the pipeline part needs. */
export interface PipelineDeps {
  readonly live: LiveConfig;
  readonly storage: Storage;
  readonly archive: Archive;
  readonly client: MirrorClient;
  /** Absent parts of it mean mirror only. */
  readonly peers?: PipelinePeers;
  readonly events: Emitter<DaemonEvents>;
  readonly log: Logger;
}

const freshnessOf = (config: Config) => config.cache.indexFreshness * 1000;

/** The pipeline, and the pdiff follower subscribed to diff Indexes. */
export class Pipeline implements Component {
  readonly pipeline: AptPipeline;
  #options: PipelineOptions;

  constructor(deps: PipelineDeps) {
    const { live, storage: { cache }, archive: { index }, events, log } = deps;
    const committed = (file: CachedFile) => void events.emit("committed", file);
    this.#options = {
      indexFreshnessMs: freshnessOf(live.current),
      resumeAttempts: live.current.upstream.resumeAttempts,
      ingestWaitMs: INGEST_WAIT_MS,
    };
    const pipeline = this.pipeline = new AptPipeline({
      cache,
      index,
      client: deps.client,
      log,
      onCommitted: committed,
      onDiskFull: (error) => void events.emit("diskFull", error),
      peers: deps.peers,
    }, this.#options);
    const pdiffs = new PdiffFollower({
      index,
      cache,
      log,
      // Patches come the way apt's requests do (cache, peers, mirror), for the mirrors of now.
      fetch: async (key) =>
        (await pipeline.handle(
          new Request(`${INTERNAL_ORIGIN}/${key}`),
          archiveTargetOf(key, live.current.mirrors),
        )).response,
      onCommitted: committed,
    });
    events.on("diffIndex", (change) => pdiffs.follow(change));
    live.subscribe((next) => {
      // Only the reloadable key; resume attempts wait for a restart.
      this.#options = { ...this.#options, indexFreshnessMs: freshnessOf(next) };
      this.pipeline.reconfigure(this.#options);
    });
  }

  /** Downloads in flight (given their grace by the HTTP part) end before anything closes. */
  drain(): Promise<void> {
    return this.pipeline.idle();
  }
}
