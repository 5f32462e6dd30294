/**
 * The composition root: builds the daemon's parts in dependency order,
 * starts them in list order and stops them in reverse (lifecycle.ts).
 * Parts talk through events (events.ts) and take reloads from the live
 * configuration (live_config.ts).
 *
 * @module
 */

import type { ArchiveIndex } from "../apt/mod.ts";
import type { CacheKeeper } from "../cache/mod.ts";
import type { Config } from "../config/mod.ts";
import type { DhtNode } from "../dht/mod.ts";
import { Logger } from "../log/mod.ts";
import { interfacesListenedOn, MdnsAdvertiser } from "../lan/mod.ts";
import { type Announcer, PeerRecords } from "../peers/mod.ts";
import { type AptPipeline, RequestLimits } from "../server/mod.ts";
import { LoopStalls, TrafficCounters } from "../stats/mod.ts";
import { VERSION } from "../version.ts";
import { Archive } from "./archive.ts";
import { Clients } from "./clients.ts";
import { INSTANCE_ID_LENGTH, REQUEST_CAPS, STOP_GRACE_MS } from "./constants.ts";
import { type DaemonEvents, Emitter } from "./events.ts";
import { buildFront } from "./front.ts";
import { HttpListener } from "./http_listener.ts";
import { Lifecycle } from "./lifecycle.ts";
import { ListenPort } from "./listen_port.ts";
import { LiveConfig, type ReloadResult } from "./live_config.ts";
import { peerBundle } from "./peer_bundle.ts";
import { PeerSide } from "./peer_side.ts";
import { Pipeline } from "./pipeline.ts";
import { watchProblems } from "./problems.ts";
import { Storage } from "./storage.ts";
import { Totals } from "./totals.ts";
import { Upkeep } from "./upkeep.ts";

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
  reload(next: Config): ReloadResult;
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
  const live = new LiveConfig(config);
  const events = new Emitter<DaemonEvents>();
  const listen = new ListenPort(config.server.port);
  const instance = crypto.randomUUID().slice(0, INSTANCE_ID_LENGTH);
  const counters = new TrafficCounters();
  const parts = new Lifecycle();
  // First to start, last to stop: a stall anywhere, start-up included, is seen.
  const loop = parts.add(
    new LoopStalls({ onReport: (ms) => log.warn("loop.stalled", { ms }) }),
  );

  const storage = parts.add(await Storage.open(config, log));
  const limits = new RequestLimits(REQUEST_CAPS);
  const archive = parts.add(new Archive({ live, storage, events, limits, log }));
  const clients = parts.add(new Clients(config, counters, `1.1 apt-dht-${instance}`));
  const totals = parts.add(new Totals(storage.db, counters, log));
  const problems = watchProblems(events, config.cache.directory, log);
  const peerRecords = new PeerRecords(storage.db);
  const peerSide = config.dht.enabled
    ? new PeerSide({
      config,
      storage,
      index: archive.index,
      events,
      listen,
      records: peerRecords,
      log,
    })
    : undefined;
  const peers = peerBundle(peerSide, clients.peer, peerRecords, archive.keys, {
    downloads: config.peers.shareDownloads && config.peers.announce,
    events,
  });
  const { pipeline } = parts.add(
    new Pipeline({ live, storage, archive, client: clients.mirror, peers, events, log }),
  );
  const advertiser = config.server.advertise
    ? new MdnsAdvertiser({
      port: () => listen.port,
      allowed: () => live.current.server.allowedClients,
      interfaces: interfacesListenedOn(config.server.listen),
      log: log.child({ part: "mdns" }),
    })
    : undefined;
  const front = buildFront({
    live,
    storage,
    archive,
    pipeline,
    peerSide,
    peerRecords,
    counters,
    totals,
    problems,
    listen,
    loop,
    limits,
    advertiser,
    via: `apt-dht-${instance}`,
    connectionsOpen: () => http.open,
    lastEviction: () => keeper.lastEviction,
    log,
  });
  const http = parts.add(new HttpListener({ live, front, pipeline, listen, counters, log }));
  // Advertised once the port is bound; the goodbye goes out before HTTP closes.
  if (advertiser) parts.add(advertiser);
  // The DHT starts once HTTP has bound the port its UDP socket shares; it stops after HTTP drained.
  if (peerSide) parts.add(peerSide);
  const { keeper } = parts.add(
    new Upkeep({ live, storage, index: archive.index, events, log }),
  );

  await parts.start();
  log.info("daemon.started", {
    version: VERSION,
    listen: `${config.server.listen}:${listen.port}`,
    cache: config.cache.directory,
    state: config.state.directory,
    mirrors: [...config.mirrors.keys()].join(",") || undefined,
  });
  let stopping: Promise<void> | undefined;
  return {
    port: listen.port,
    pipeline,
    index: archive.index,
    dht: peerSide?.node,
    announcer: peerSide?.announcer,
    keeper,
    reload(next: Config) {
      const result = live.replace(next);
      log.info("daemon.reloaded", {
        applied: result.applied.join(",") || undefined,
        restart_needed: result.restart.join(",") || undefined,
      });
      log.setLevel(next.log.level); // after the line above, so it is written at the old level
      return result;
    },
    stop(graceMs = STOP_GRACE_MS) {
      // A second call waits for the first.
      stopping ??= parts.stop(graceMs).then(() => log.info("daemon.stopped"));
      return stopping;
    },
  };
}
