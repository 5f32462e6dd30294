/**
 * Runs the cache's upkeep in the background of a daemon: the scan at start
 * (serving does not wait for it), then eviction every few minutes and soon
 * after new files arrive. One run at a time.
 *
 * @module
 */

import type { Logger } from "../log/mod.ts";
import { evict, type EvictionPolicy, type EvictionResult } from "./eviction.ts";
import { scanCache } from "./scan.ts";
import { scanSharedDirectories } from "./shared_dirs.ts";
import type { CacheStore } from "./store.ts";

/** How often eviction runs without being asked. */
const EVERY_MS = 10 * 60_000;
/** How soon after a commit it runs (commits come in bursts during apt-get upgrade). */
const AFTER_COMMIT_MS = 5_000;

export interface KeeperOptions {
  /** Overrides the 5 s between a commit and the eviction it may call for. */
  readonly afterCommitMs?: number;
  /** Directories whose .deb files are shared where they lie (hashed at start and every run). */
  readonly sharedDirectories?: readonly string[];
  /** Told after each scan of the shared directories (to match and announce them). */
  readonly onShared?: () => void;
}

/** One eviction run: when it ran and what it removed. */
export interface EvictionRun extends EvictionResult {
  /** Epoch milliseconds. */
  readonly at: number;
}

export class CacheKeeper {
  /** The latest eviction run of this daemon, if any has run. */
  lastEviction: EvictionRun | undefined;
  #running: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #soon: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #abort = new AbortController();
  /** Settles when the start-up scan has finished (tests, `status`). */
  readonly scanned: Promise<void>;
  #scanDone!: () => void;

  constructor(
    private readonly store: CacheStore,
    private policy: EvictionPolicy,
    private readonly log: Logger,
    /** Told of each file removed (the announcer forgets hashes no copy has any more). */
    private readonly onRemoved: (key: string, sha256?: string) => void,
    private readonly options: KeeperOptions = {},
  ) {
    this.scanned = new Promise((resolve) => this.#scanDone = resolve);
  }

  /** Scans, then keeps evicting on schedule. */
  start(): void {
    this.#run(async () => {
      const started = performance.now();
      const result = await scanCache(this.store, {
        signal: this.#abort.signal,
        onRemoved: (key, reason, sha256) => this.#removed(key, reason, sha256),
      });
      this.log.info("cache.scanned", { ...result, ms: Math.round(performance.now() - started) });
      await this.#scanShared();
      this.#scanDone();
      await this.#evict();
    });
    this.#timer = setInterval(() =>
      this.#run(async () => {
        await this.#scanShared();
        await this.#evict();
      }), EVERY_MS);
  }

  /** Evicts by `policy` from the next run on (a config reload). */
  reconfigure(policy: EvictionPolicy): void {
    this.policy = policy;
  }

  /** A file was committed: the limit may be exceeded. */
  committed(): void {
    if (this.policy.maxBytes <= 0 || this.#soon !== undefined || this.#stopped) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#run(() => this.#evict());
    }, this.options.afterCommitMs ?? AFTER_COMMIT_MS);
  }

  /** Runs eviction now (after any run in progress); resolves when it is done. */
  async runNow(): Promise<void> {
    while (this.#running) await this.#running;
    this.#run(() => this.#evict());
    await this.#running;
  }

  /** Stops the schedule and waits for a run in progress (aborting a scan). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    this.#abort.abort(new Error("daemon stopping"));
    await this.#running;
  }

  #run(work: () => Promise<void>): void {
    if (this.#running || this.#stopped) return;
    this.#running = work().catch((error) => {
      if (!this.#abort.signal.aborted) this.log.error("cache.upkeep_failed", { error });
    }).finally(() => this.#running = undefined);
  }

  async #scanShared(): Promise<void> {
    const directories = this.options.sharedDirectories ?? [];
    if (!directories.length || this.#stopped) return;
    const started = performance.now();
    const result = await scanSharedDirectories(this.store, directories, this.#abort.signal);
    if (result.hashed || result.forgotten) {
      this.log.info("cache.shared_scanned", {
        ...result,
        ms: Math.round(performance.now() - started),
      });
    }
    this.options.onShared?.();
  }

  async #evict(): Promise<void> {
    if (this.#stopped) return;
    const result = await evict(
      this.store,
      this.policy,
      (key, reason, sha256) => this.#removed(key, reason, sha256),
    );
    this.lastEviction = { at: Date.now(), ...result };
    if (result.expired || result.evicted) this.log.info("cache.evicted", { ...result });
  }

  #removed(key: string, reason: string, sha256?: string): void {
    this.log.info("cache.removed", { key, reason });
    this.onRemoved(key, sha256);
  }
}
