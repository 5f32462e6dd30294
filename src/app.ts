/**
 * Wires the parts into a running daemon: database, cache, archive index,
 * mirror client, pipeline, HTTP front.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { ArchiveIndex, isImmutable } from "./apt/mod.ts";
import { CacheKeeper, CacheStore, DATABASE_FILE, openDatabase } from "./cache/mod.ts";
import { changedKeys, type Config, RELOADABLE_KEYS } from "./config/mod.ts";
import { MirrorAddresses, MirrorClient } from "./fetch/mod.ts";
import { Logger } from "./log/mod.ts";
import {
  AptPipeline,
  archiveTargetOf,
  createHandler,
  PdiffFollower,
  type Problem,
} from "./server/mod.ts";
import { PersistedCounters, TrafficCounters } from "./stats/mod.ts";
import { TrustedKeys } from "./trust/mod.ts";
import { VERSION } from "./version.ts";
import { createDhtNode } from "./dht_service.ts";
import { type DhtNode, idFromHex, systemClock } from "./dht/mod.ts";
import { Announcer, PeerFinder, PeerRecords, UploadLimiter } from "./peers/mod.ts";

/** True for an address of this machine (loopback or one of its interfaces). */
function isLocalAddress(address: string): boolean {
  if (address === "::1" || address.startsWith("127.")) return true;
  try {
    return Deno.networkInterfaces().some((i) => i.address === address);
  } catch {
    return false;
  }
}

/** A started daemon. */
export interface Daemon {
  /** The TCP port actually bound (differs from the config when it asked for 0). */
  readonly port: number;
  readonly pipeline: AptPipeline;
  readonly index: ArchiveIndex;
  /** The DHT node on the same port (UDP), unless disabled. */
  readonly dht?: DhtNode;
  /** Keeps the cache's verified files announced in the DHT. */
  readonly announcer?: Announcer;
  /** The cache's scan and eviction. */
  readonly keeper: CacheKeeper;
  /**
   * Takes a new configuration (SIGHUP): the keys in RELOADABLE_KEYS apply
   * at once; the others are listed as needing a restart.
   */
  reload(next: Config): { applied: string[]; restart: string[] };
  /**
   * Stops accepting requests, lets transfers in flight finish for up to
   * `graceMs` (default 5 s), aborts the rest without committing anything,
   * and closes the database.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a daemon with `config`; resolves once it listens. */
export async function startDaemon(
  config: Config,
  log = new Logger(config.log.level),
): Promise<Daemon> {
  await Deno.mkdir(config.state.directory, { recursive: true });
  const db: DatabaseSync = openDatabase(`${config.state.directory}/${DATABASE_FILE}`);
  const cache = new CacheStore(config.cache.directory, db, log);
  // What a reload may change: read where it is used, not copied at start.
  let live = config;
  const pipelineOptions = {
    indexFreshnessMs: config.cache.indexFreshness * 1000,
    resumeAttempts: config.upstream.resumeAttempts,
    ingestWaitMs: 5_000,
  };
  const evictionPolicy = {
    maxBytes: config.cache.maxSize,
    expireDays: config.cache.expireDays,
    expires: isImmutable,
    lastListed: (key: string, usedAt: (key: string) => number | undefined) =>
      index.lastListed(key, usedAt),
  };
  await cache.init();
  const keys = new TrustedKeys(
    { apt: config.trust.aptKeyrings, extra: config.trust.keyrings },
    log,
  );
  const index = new ArchiveIndex(db, log, Date.now, {
    keys,
    readCached: async (key) => {
      const cached = cache.open(key);
      if (!cached) return undefined;
      try {
        return await Deno.readFile(cached.path);
      } finally {
        cached.file.close();
      }
    },
    followDiffs: (change): Promise<void> => pdiffs.follow(change),
    onListing: () => announceShared(),
  });
  const counters = new TrafficCounters();
  /** Conditions the status page shows until they clear. */
  const problems = new Map<string, Problem>();
  const instance = crypto.randomUUID().slice(0, 8);
  const via = `1.1 apt-dht-${instance}`;
  const client = new MirrorClient({
    connectTimeoutMs: config.upstream.connectTimeout * 1000,
    responseTimeoutMs: config.upstream.responseTimeout * 1000,
    idleTimeoutMs: config.upstream.idleTimeout * 1000,
    userAgent: `apt-dht/${VERSION}`,
    via,
    maxConnectionsPerHost: config.upstream.maxConnections,
    addresses: new MirrorAddresses({ servers: config.upstream.dnsServers }),
    onWire: (direction, bytes) => counters.carried("mirror", direction, bytes),
  });
  let announcer: Announcer | undefined;
  let peers: PeerFinder | undefined;
  const peerRecords = new PeerRecords(db);
  // Peers get short timeouts: the mirror is there to fall back on.
  const peerClient = new MirrorClient({
    responseTimeoutMs: config.peers.timeout * 1000,
    idleTimeoutMs: config.peers.timeout * 1000,
    userAgent: `apt-dht/${VERSION}`,
    via,
    onWire: (direction, bytes) => counters.carried("peer", direction, bytes),
  });
  const pipeline = new AptPipeline({
    cache,
    index,
    client,
    log,
    onCommitted: (file) => {
      if (file.announce) announcer?.add(file.sha256);
      keeper.committed();
      problems.delete("disk-full"); // a file could be written again
    },
    onDiskFull: (error) => {
      if (problems.has("disk-full")) return;
      log.error("cache.disk_full", { directory: config.cache.directory, error });
      problems.set("disk-full", {
        what: "Disk full",
        detail: `Nothing more can be written to ${config.cache.directory}: files still reach apt ` +
          `(from memory) but are not cached until space is freed (${error.message}).`,
        since: Date.now(),
      });
    },
    get peers() {
      return peers;
    },
    peerClient,
    peerRecords,
    releaseKeys: () => keys.keys(),
    getItem: async (key: string) => {
      const node = dht;
      if (!node) return undefined;
      return await node.getImmutable(idFromHex(key));
    },
  }, pipelineOptions);
  const pdiffs: PdiffFollower = new PdiffFollower({
    index,
    cache,
    log,
    fetch: async (key) =>
      (await pipeline.handle(
        new Request(`http://apt-dht.internal/${key}`),
        archiveTargetOf(key, live.mirrors),
      )).response,
    onCommitted: (file) => {
      if (file.announce) announcer?.add(file.sha256);
      keeper.committed();
    },
  });
  // The cache's upkeep: the start-up scan, size limit and expiry, in the background.
  const keeper = new CacheKeeper(
    cache,
    evictionPolicy,
    log.child({ part: "cache" }),
    (_key, sha256) => {
      if (!sha256) return;
      const other = cache.openBySha256(sha256); // another key may hold the same content
      other?.file.close();
      if (!other) announcer?.remove(sha256);
    },
    { sharedDirectories: config.cache.extraDirectories, onShared: () => announceShared() },
  );
  /** Shared files (extra_directories) a trusted index lists are announced like cached ones. */
  let matching: ReturnType<typeof setTimeout> | undefined;
  function announceShared(): void {
    if (!config.cache.extraDirectories.length || matching !== undefined) return;
    // Indexes arrive in bursts (apt-get update): match once they have.
    matching = setTimeout(() => {
      matching = undefined;
      try {
        const files = cache.sharedFiles();
        const trusted = index.trustedAmong(files.map((f) => f.sha256));
        for (const sha256 of trusted) announcer?.add(sha256);
        if (trusted.size) {
          log.info("cache.shared_matched", { files: files.length, announced: trusted.size });
        }
      } catch (error) {
        log.warn("cache.shared_match_failed", { error });
      }
    }, 500);
  }
  const totals = new PersistedCounters(db, counters);
  const saveTotals = setInterval(() => {
    try {
      totals.save();
    } catch (error) {
      log.warn("stats.save_failed", { error });
    }
  }, 10_000);
  let port = config.server.port;
  let dht: DhtNode | undefined;
  const handler = createHandler({
    pipeline,
    counters,
    log,
    // Read per request, so a reload (SIGHUP) applies to the next one.
    get allowedClients() {
      return live.server.allowedClients;
    },
    get statusPublic() {
      return live.server.statusPublic;
    },
    get mirrors() {
      return live.mirrors;
    },
    via: `apt-dht-${instance}`,
    port: () => port,
    cache,
    peerRecords,
    signedSha256: (key) => index.releases.signedSha256(key),
    uploadLimiter: config.peers.uploadLimit > 0
      ? new UploadLimiter(config.peers.uploadLimit)
      : undefined,
    status: {
      version: VERSION,
      counters,
      activeDownloads: () => pipeline.activeDownloads,
      listen: () => `${config.server.listen}:${port}`,
      cache: () => cache.stats(),
      dht: () => dht?.stats(),
      allTime: () => totals.totals(),
      peers: () => peerRecords.all(),
      releases: () => index.releases.all(),
      problems: () => [...problems.values()],
    },
  });
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: config.server.listen,
    port: config.server.port,
    onListen: resolve,
    onError: (error) => {
      log.error("http.handler_error", { error });
      return new Response("internal error\n", { status: 500 });
    },
  }, handler);
  port = (await listening).port;
  if (config.dht.enabled) {
    dht = createDhtNode(config, port, db, log);
    announcer = new Announcer(dht, () => port, systemClock, log.child({ part: "announce" }), {
      pieceListOf: (sha256) => {
        const key = cache.pieceListKey(sha256);
        return key ? cache.pieceList(key) : undefined;
      },
    });
    peers = new PeerFinder(dht, (peer) => peer.port === port && isLocalAddress(peer.address), {
      waitMs: config.peers.wait * 1000,
    });
    for (const sha256 of cache.announceable()) announcer.add(sha256);
    // Releases that verified against a Release.gpg, under its key, while the cache holds them.
    for (const { key, sha256 } of index.releases.signedReleases()) {
      const cached = cache.openBySha256(sha256);
      cached?.file.close();
      if (cached) announcer.add(key);
    }
    index.releases.onSigned = (key) => announcer?.add(key);
    // Joining may wait on unreachable bootstrap nodes; serving apt must not. Announces wait for it.
    dht.start().then(() => announcer!.start(), (error) => log.error("dht.start_failed", { error }));
  }
  keeper.start();
  log.info("daemon.started", {
    version: VERSION,
    listen: `${config.server.listen}:${port}`,
    cache: config.cache.directory,
    state: config.state.directory,
    mirrors: [...config.mirrors.keys()].join(",") || undefined,
  });
  let stopping: Promise<void> | undefined;
  return {
    port,
    pipeline,
    index,
    dht,
    announcer,
    keeper,
    reload(next: Config) {
      const changed = changedKeys(live, next);
      const applied = changed.filter((key) => RELOADABLE_KEYS.has(key));
      const restart = changed.filter((key) => !RELOADABLE_KEYS.has(key));
      live = next;
      pipelineOptions.indexFreshnessMs = next.cache.indexFreshness * 1000;
      evictionPolicy.maxBytes = next.cache.maxSize;
      evictionPolicy.expireDays = next.cache.expireDays;
      keys.setPlaces({ apt: next.trust.aptKeyrings, extra: next.trust.keyrings });
      keys.reload().catch((error) => log.error("trust.reload_failed", { error }));
      log.info("daemon.reloaded", {
        applied: applied.join(",") || undefined,
        restart_needed: restart.join(",") || undefined,
      });
      log.setLevel(next.log.level); // after the line above, so it is written at the old level
      return { applied, restart };
    },
    stop(graceMs = 5000) {
      stopping ??= stopDaemon(graceMs); // a second call waits for the first
      return stopping;
    },
  };
  async function stopDaemon(graceMs: number): Promise<void> {
    // Stop accepting; give transfers in flight a grace period, then cut them off.
    const shutdown = server.shutdown();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), graceMs)
    );
    if (await Promise.race([shutdown.then(() => "done" as const), graceOver]) === "timeout") {
      log.warn("daemon.aborting_transfers", { downloads: pipeline.activeDownloads });
      pipeline.abortAll("daemon stopping");
    }
    clearTimeout(timer);
    await shutdown;
    await pipeline.idle();
    await index.settled();
    clearInterval(saveTotals);
    totals.save();
    announcer?.stop();
    await keeper.stop();
    clearTimeout(matching);
    await dht?.stop(); // saves the routing table
    client.close();
    peerClient.close();
    db.close();
    log.info("daemon.stopped");
  }
}
