/**
 * The numbers behind the status page, `/stats.json` and `/metrics`: one
 * snapshot, so the three never disagree.
 *
 * @module
 */

import type { LoopStallFigures, Totals, TrafficCounters } from "../../stats/mod.ts";
import type { DhtStats } from "../../dht/mod.ts";
import type { ReleaseTrustRecord } from "../../apt/mod.ts";
import type { HashFailure } from "../../cache/mod.ts";
import type { LanDiscoveryStatus, MdnsAdvertiserStatus } from "../../lan/mod.ts";
import { dhtState } from "../../dht/mod.ts";
import { figureProblems, type Problem } from "./problems.ts";
import {
  clientRows,
  type DiskFigures,
  diskRow,
  history,
  hitRatio,
  lastWeek,
  mirrorRows,
} from "./usage.ts";

/** The announcer's figures in `/stats.json`. */
export interface AnnounceFigures {
  readonly held: number;
  readonly announced: number;
  readonly failed: number;
  readonly overdue: number;
  readonly behind_s: number;
  readonly per_second: number;
  readonly in_flight: number;
}

/** The LAN: discovery's nodes and counters, and where the proxy is advertised (null: off). */
export interface LanStatus {
  readonly discovery: LanDiscoveryStatus | null;
  readonly advertise: MdnsAdvertiserStatus | null;
}

/** What the pages show of a peer. */
export interface PeerSummary {
  readonly address: string;
  readonly port: number;
  readonly bytesDown: number;
  readonly bytesUp: number;
  readonly hashErrors: readonly number[];
  readonly failures: number;
  /** Other daemons that voted against it in the DHT, as last read. */
  readonly voters: number;
  readonly score: number;
}

/** What the pages report. */
export interface StatusSource {
  readonly version: string;
  readonly counters: TrafficCounters;
  readonly activeDownloads: () => number;
  /** The event loop's longest stall of the last minute. */
  readonly loop?: () => LoopStallFigures;
  /** Client connections open now. */
  readonly connectionsOpen?: () => number;
  /** `CONNECT` tunnels open now. */
  readonly tunnelsOpen?: () => number;
  /** Where the daemon listens for apt and peers (`address:port`). */
  readonly listen?: () => string;
  readonly dht?: () => DhtStats | undefined;
  /** How many bootstrap nodes are configured (none: the node waits to be joined). */
  readonly dhtBootstrap?: () => number;
  /**
   * Our own announces: files held to announce, announces stored, announces that failed, and how
   * far behind they are (files due that have not gone out, how long the oldest has been due).
   */
  readonly announces?: () => AnnounceFigures | undefined;
  /**
   * Lookups for the files downloaded: how many, how many found a peer, and how long a download
   * now waits for peers before the mirror (short while nobody is found: share_memory.ts).
   */
  readonly finds?: () => { lookups: number; found_peers: number; wait_ms: number } | undefined;
  /** LAN discovery and mDNS advertising. */
  readonly lan?: () => LanStatus;
  /** What this daemon keeps out of the DHT, and why. */
  readonly privacy?: () => PrivacyFigures;
  /** Totals over every run, from the database. */
  readonly allTime?: () => Totals;
  /** Files and bytes in the cache. */
  readonly cache?: () => { files: number; bytes: number };
  /** The cache's file system and its last eviction. */
  readonly disk?: () => DiskFigures;
  /** The port peers reach the DHT on (named in what to do when it has not joined). */
  readonly port?: () => number;
  /** Peers seen, best first. */
  readonly peers?: () => readonly PeerSummary[];
  /** Release files seen and whether their signatures verified. */
  readonly releases?: () => readonly ReleaseTrustRecord[];
  readonly problems?: () => readonly Problem[];
  /** The latest downloads that failed their hash, newest first. */
  readonly hashFailures?: () => readonly HashFailure[];
  readonly now?: () => number;
}

/** What is kept out of the DHT (`/stats.json` `privacy`). */
export interface PrivacyFigures {
  /** `peers.announce`: false announces nothing and serves nothing to peers. */
  readonly announce: boolean;
  /** Contents withheld, and how many for each reason. */
  readonly withheld: number;
  readonly withheld_by_reason: { readonly security_update: number; readonly vulnerable: number };
  /** Packages the tracked security archives list. */
  readonly security_packages: number;
  readonly vulnerability_list: {
    readonly location: string;
    readonly sources: number | null;
    readonly loaded_at: string | null;
    readonly error: string | null;
  } | null;
}

/** Bytes from peers against bytes from mirrors: what the peers saved the mirrors. */
function saved(bytes: Record<string, number>) {
  const peers = bytes.peer ?? 0;
  const mirrors = bytes.mirror ?? 0;
  return {
    from_peers: peers,
    from_mirrors: mirrors,
    peer_share: peers + mirrors ? +(peers / (peers + mirrors)).toFixed(4) : 0,
  };
}

function loopFigures(figures: LoopStallFigures | undefined) {
  return figures
    ? {
      longest_stall_ms_last_minute: figures.longestMsLastMinute,
      stalls_over_1s: figures.reported,
    }
    : null;
}

/** The snapshot, as `/stats.json` gives it. */
export type StatusSnapshot = ReturnType<typeof statusSnapshot>;

/** The numbers behind every page. */
export function statusSnapshot(source: StatusSource) {
  const now = source.now?.() ?? Date.now();
  const session = source.counters.snapshot();
  const allTime = source.allTime?.() ?? null;
  const dht = source.dht?.();
  const cache = source.cache?.() ?? null;
  const bootstrap = source.dhtBootstrap?.() ?? 0;
  const state = dht ? dhtState(dht.nodes, dht.counters.responsesReceived, bootstrap) : null;
  const mirrors = mirrorRows(source.counters.mirrors.all());
  const disk = diskRow(source.disk?.(), cache);
  const raised = source.problems?.() ?? [];
  const traffic = history(source.counters);
  const problems = [
    ...raised,
    ...figureProblems({
      now,
      startedAt: source.counters.startedAt,
      mirrors,
      disk,
      dht: state ? { state, bootstrap, port: source.port?.() ?? null } : null,
      raised,
    }),
  ];
  return {
    version: source.version,
    listen: source.listen?.() ?? null,
    started_at: new Date(source.counters.startedAt).toISOString(),
    uptime_seconds: Math.round((now - source.counters.startedAt) / 1000),
    active_downloads: source.activeDownloads(),
    event_loop: loopFigures(source.loop?.()),
    ...session,
    connections: connectionFigures(source.connectionsOpen?.() ?? 0, session.connections),
    tunnels: {
      open: source.tunnelsOpen?.() ?? 0,
      opened: session.tunnels.opened ?? 0,
      failed: session.tunnels.failed ?? 0,
    },
    all_time: allTime,
    saved: {
      session: saved(session.bytes),
      all_time: allTime ? saved(allTime.bytes) : null,
      last_7_days: lastWeek(traffic.daily),
    },
    hit_ratio: hitRatio(session, allTime),
    clients: clientRows(source.counters.clients.all()),
    mirrors,
    history: traffic,
    cache,
    disk,
    dht: dht
      ? {
        ...dht,
        // Its words in the log too (`dht.joined`, `dht.waiting`, `dht.not_joined`).
        state,
        // Reachable: it knows nodes and has heard answers (it can also be reached if they answer).
        reachable: state === "joined",
        bootstrap_nodes: bootstrap,
        announces: source.announces?.() ?? null,
        finds: source.finds?.() ?? null,
      }
      : null,
    lan: source.lan?.() ?? { discovery: null, advertise: null },
    privacy: source.privacy?.() ?? null,
    peers: (source.peers?.() ?? []).map((p) => ({
      address: p.address,
      port: p.port,
      bytes_down: p.bytesDown,
      bytes_up: p.bytesUp,
      hash_errors: p.hashErrors.length,
      failures: p.failures,
      voters: p.voters,
      score: +p.score.toFixed(3),
    })),
    releases: (source.releases?.() ?? []).map((r) => ({
      release: r.release,
      trusted: r.trusted,
      signer: r.signer ?? null,
      reason: r.reason ?? null,
      checked_at: new Date(r.checkedAt).toISOString(),
    })),
    hash_failures: (source.hashFailures?.() ?? []).map((f) => ({
      at: new Date(f.at).toISOString(),
      path: f.path,
      source: f.source,
      reason: f.reason,
    })),
    problems: problems.map((p) => ({
      what: p.what,
      detail: p.detail,
      action: p.action,
      since: new Date(p.since).toISOString(),
    })),
  };
}

/** Connections open, and those the server closed: by reason, and summed as timeouts and refusals. */
function connectionFigures(open: number, closed: Record<string, number>) {
  const sum = (test: (reason: string) => boolean) =>
    Object.entries(closed).reduce((total, [reason, n]) => total + (test(reason) ? n : 0), 0);
  return {
    open,
    closed,
    timed_out: sum((reason) => reason.endsWith("_timeout")),
    refused: sum((reason) => reason.startsWith("refused_")),
  };
}
