/**
 * The administrator's figures in `/stats.json`: the hit ratio, the clients,
 * the mirrors, the history of bytes by source, and the disk.
 *
 * @module
 */

import type { DiskSpace, EvictionRun } from "../../cache/mod.ts";
import {
  type ClientFigures,
  type HistoryEntry,
  HIT_SOURCES,
  type MirrorFigures,
  type TrafficCounters,
} from "../../stats/mod.ts";

/** What the status page knows of the cache's disk. */
export interface DiskFigures {
  readonly directory: string;
  /** `cache.max_size` in bytes; 0 for no limit. */
  readonly maxBytes: number;
  readonly space: DiskSpace | null;
  readonly lastEviction: EvictionRun | undefined;
}

const iso = (ms: number) => ms ? new Date(ms).toISOString() : null;
const ratio = (part: number, whole: number) => whole ? +(part / whole).toFixed(4) : null;

/**
 * The share of files answered from the cache, by requests and by bytes,
 * this run and all time: hits are the cache's answers (also after the
 * mirror said unchanged, or could not be reached); what was answered is
 * hits, peers and mirrors. Null until something was answered.
 */
export function hitRatio(session: Counted, allTime: Counted | null) {
  const answered = [...HIT_SOURCES, "peer", "mirror"];
  const of = (counts: Record<string, number> | undefined) => {
    if (!counts) return null;
    const sum = (keys: readonly string[]) =>
      keys.reduce((total, key) => total + (counts[key] ?? 0), 0);
    return ratio(sum(HIT_SOURCES), sum(answered));
  };
  return {
    requests: { session: of(session.requests), all_time: of(allTime?.requests) },
    bytes: { session: of(session.bytes), all_time: of(allTime?.bytes) },
  };
}

/** Requests and bytes by source. */
interface Counted {
  readonly requests: Record<string, number>;
  readonly bytes: Record<string, number>;
}

/** The clients of this run, the latest first. */
export function clientRows(clients: readonly ClientFigures[]) {
  return clients.map((c) => ({
    address: c.address,
    requests: c.requests,
    bytes: c.bytes,
    hits: c.hits,
    hit_ratio: ratio(c.hits, c.requests),
    last_seen: iso(c.lastSeen),
  }));
}

/** The mirrors of this run, the latest used first; `failing` when the latest answer was a failure. */
export function mirrorRows(mirrors: readonly MirrorFigures[]) {
  return mirrors.map((m) => ({
    host: m.host,
    scheme: m.scheme,
    requests: m.requests,
    bytes: m.bytes,
    errors: m.errors,
    last_error: m.lastError,
    last_error_at: iso(m.lastErrorAt),
    last_success_at: iso(m.lastSuccessAt),
    failing: m.lastErrorAt > m.lastSuccessAt,
  }));
}

/** The last 24 hours and 30 days of bytes by source. */
export function history(counters: TrafficCounters) {
  return { hourly: counters.history.hourly(), daily: counters.history.daily() };
}

/** Days summed in `saved.last_7_days`. */
const WEEK_DAYS = 7;

/**
 * What the last 7 days (today included) served and from where: the bytes
 * from the cache and peers are the ones the mirrors did not have to send.
 */
export function lastWeek(daily: readonly HistoryEntry[]) {
  const days = daily.slice(-WEEK_DAYS);
  const sum = (key: "from_cache" | "from_peers" | "from_mirrors") =>
    days.reduce((total, day) => total + day[key], 0);
  const [cache, peers, mirrors] = [sum("from_cache"), sum("from_peers"), sum("from_mirrors")];
  return {
    from_cache: cache,
    from_peers: peers,
    from_mirrors: mirrors,
    not_from_mirrors: cache + peers,
    mirror_share_saved: ratio(cache + peers, cache + peers + mirrors),
  };
}

/** The cache's disk: its size, the file system's free space, the last eviction. */
export function diskRow(
  disk: DiskFigures | undefined,
  cache: { files: number; bytes: number } | null,
) {
  if (!disk) return null;
  const last = disk.lastEviction;
  return {
    directory: disk.directory,
    cache_bytes: cache?.bytes ?? null,
    cache_files: cache?.files ?? null,
    max_bytes: disk.maxBytes,
    free_bytes: disk.space?.free ?? null,
    total_bytes: disk.space?.total ?? null,
    last_eviction: last
      ? {
        at: new Date(last.at).toISOString(),
        expired: last.expired,
        evicted: last.evicted,
        bytes_freed: last.bytesFreed,
      }
      : null,
  };
}
