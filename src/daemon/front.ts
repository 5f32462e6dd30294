/**
 * The HTTP front: the request handler, its status pages, and how a reload
 * reaches it (allowed clients, public status, mirror aliases).
 *
 * @module
 */

import { diskSpace, type EvictionRun } from "../cache/mod.ts";
import type { Config } from "../config/mod.ts";
import type { MdnsAdvertiser } from "../lan/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type PeerRecords, UploadLimiter } from "../peers/mod.ts";
import {
  type AptPipeline,
  createHandler,
  type FrontSettings,
  type HttpFront,
  type PrivacyFigures,
  type Problems,
  type RequestLimits,
  TunnelOpener,
} from "../server/mod.ts";
import type { Withholding } from "../privacy/mod.ts";
import { MAX_TUNNELS } from "./constants.ts";
import type { LoopStalls, TrafficCounters } from "../stats/mod.ts";
import { VERSION } from "../version.ts";
import type { Archive } from "./archive.ts";
import type { ListenPort } from "./listen_port.ts";
import type { LiveConfig } from "./live_config.ts";
import type { PeerSide } from "./peer_side.ts";
import type { Storage } from "./storage.ts";
import type { Totals } from "./totals.ts";

/** What the front shows and serves from. */
export interface FrontDeps {
  readonly live: LiveConfig;
  readonly storage: Storage;
  readonly archive: Archive;
  readonly pipeline: AptPipeline;
  readonly peerSide?: PeerSide;
  readonly peerRecords: PeerRecords;
  readonly counters: TrafficCounters;
  readonly totals: Totals;
  readonly problems: Problems;
  readonly listen: ListenPort;
  readonly loop: LoopStalls;
  /** Requests in flight (the archive waits for them to end before reading listings). */
  readonly limits: RequestLimits;
  /** The mDNS advertiser, when `server.advertise` is on. */
  readonly advertiser?: MdnsAdvertiser;
  /** Client connections open now (the listener is built after the front). */
  readonly connectionsOpen: () => number;
  /** The latest eviction run (the keeper is built after the front). */
  readonly lastEviction: () => EvictionRun | undefined;
  /** Our `Via` token (`apt-dht-<instance>`). */
  readonly via: string;
  readonly log: Logger;
}

const settingsOf = (config: Config): FrontSettings => ({
  allowedClients: config.server.allowedClients,
  statusPublic: config.server.statusPublic,
  mirrors: config.mirrors,
  passThrough: config.server.connectPassThrough,
});

/** Builds the handler, subscribed to reloads. */
export function buildFront(deps: FrontDeps): HttpFront {
  const { live, storage: { cache }, archive: { index }, pipeline, counters, listen } = deps;
  const config = live.current; // what is not reloadable is read once
  const tunnels = new TunnelOpener({
    counters,
    log: deps.log,
    connectTimeoutMs: config.upstream.connectTimeout * 1000,
    maxTunnels: MAX_TUNNELS,
  });
  const front = createHandler({
    pipeline,
    counters,
    log: deps.log,
    via: deps.via,
    port: () => listen.port,
    cache,
    peerRecords: deps.peerRecords,
    signedSha256: (key) => index.releases.signedSha256(key),
    trusted: (sha256) => index.trustedAmong([sha256]).size > 0,
    growing: (sha256) => pipeline.growing(sha256),
    withheld: (sha256) => deps.peerSide?.withholding.withheld(sha256) ?? false,
    revealNothing: !config.peers.announce,
    limits: deps.limits,
    tunnels,
    uploadLimiter: config.peers.uploadLimit > 0
      ? new UploadLimiter(config.peers.uploadLimit)
      : undefined,
    status: {
      version: VERSION,
      counters,
      activeDownloads: () => pipeline.activeDownloads,
      connectionsOpen: deps.connectionsOpen,
      tunnelsOpen: () => tunnels.openNow,
      loop: () => deps.loop.figures(),
      listen: () => `${config.server.listen}:${listen.port}`,
      cache: () => cache.stats(),
      disk: () => ({
        directory: config.cache.directory,
        maxBytes: live.current.cache.maxSize,
        space: diskSpace(config.cache.directory),
        lastEviction: deps.lastEviction(),
      }),
      port: () => listen.port,
      dht: () => deps.peerSide?.node?.stats(),
      dhtBootstrap: () => config.dht.bootstrap.length,
      announces: () => {
        const announcer = deps.peerSide?.announcer;
        if (!announcer) return undefined;
        const { overdue, behindS, perSecond, inFlight } = announcer.backlog();
        return {
          held: announcer.size,
          announced: announcer.announced,
          failed: announcer.failed,
          overdue,
          behind_s: behindS,
          per_second: perSecond,
          in_flight: inFlight,
        };
      },
      finds: () => {
        const finder = deps.peerSide?.finder;
        if (!finder) return undefined;
        return {
          lookups: finder.memory.lookups,
          found_peers: finder.memory.foundPeers,
          wait_ms: finder.memory.waitMs(config.peers.wait * 1000),
        };
      },
      lan: () => ({
        discovery: deps.peerSide?.lan?.status() ?? null,
        advertise: deps.advertiser?.status() ?? null,
      }),
      privacy: () => privacyFigures(config, deps.peerSide?.withholding),
      allTime: () => deps.totals.totals(),
      peers: () => deps.peerRecords.all(),
      releases: () => index.releases.all(),
      problems: () => deps.problems.all(),
      hashFailures: () => cache.recentHashFailures(),
    },
  }, settingsOf(config));
  live.subscribe((next) => front.reconfigure(settingsOf(next)));
  return front;
}

/** The withholding's figures, as the status page shows them. */
function privacyFigures(config: Config, withholding: Withholding | undefined): PrivacyFigures {
  const summary = withholding?.summary();
  const list = summary?.list;
  return {
    announce: config.peers.announce,
    withheld: summary?.withheld ?? 0,
    withheld_by_reason: summary?.byReason ?? { security_update: 0, vulnerable: 0 },
    security_packages: summary?.securityPackages ?? 0,
    vulnerability_list: list
      ? {
        location: list.location,
        sources: list.sources ?? null,
        loaded_at: list.loadedAt ? new Date(list.loadedAt).toISOString() : null,
        error: list.error ?? null,
      }
      : null,
  };
}
