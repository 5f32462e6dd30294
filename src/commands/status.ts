/**
 * `apt-dht status`: a running daemon's summary, read from its `/stats.json`.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import { urlHost } from "../net/mod.ts";
import { HIT_SOURCES } from "../stats/mod.ts";
import { formatBytes, formatDuration, formatShare } from "../util/format.ts";

export { formatBytes, formatDuration };

/** The parts of `/stats.json` the summary uses. */
interface Stats {
  version: string;
  uptime_seconds: number;
  active_downloads: number;
  requests: Record<string, number>;
  bytes: Record<string, number>;
  uploaded: number;
  refused: number;
  all_time: { bytes: Record<string, number>; uploaded: number } | null;
  dht: {
    id: string;
    nodes: number;
    estimatedNodes?: number;
    storedInfoHashes: number;
    storedItems: number;
  } | null;
  lan?: {
    discovery: { interfaces: string[]; nodes: { address: string; port: number }[] } | null;
    advertise: { service: string; interfaces: string[] } | null;
  };
  peers: {
    address: string;
    port: number;
    bytes_down: number;
    bytes_up: number;
    voters?: number;
    score: number;
  }[];
  privacy?: {
    announce: boolean;
    withheld: number;
    withheld_by_reason: { security_update: number; vulnerable: number };
    vulnerability_list: { location: string; error: string | null } | null;
  } | null;
  releases: { release: string; trusted: boolean; reason?: string }[];
  wire?: Record<string, number>;
  cache?: { files: number; bytes: number } | null;
  problems?: { what: string; detail: string; action?: string }[];
  hit_ratio?: {
    requests: { session: number | null; all_time: number | null };
    bytes: { session: number | null; all_time: number | null };
  };
  saved?: {
    last_7_days?: {
      not_from_mirrors: number;
      from_mirrors: number;
      mirror_share_saved: number | null;
    };
  };
  clients?: { address: string; requests: number; hits: number; bytes: number }[];
  mirrors?: { host: string; scheme: string; requests: number; errors: number; failing: boolean }[];
  disk?: {
    free_bytes: number | null;
    total_bytes: number | null;
    max_bytes: number;
  } | null;
}

const percent = (share: number | null | undefined) =>
  share === null || share === undefined ? "–" : formatShare(share);

/** The admin's questions: hit ratio, the week, the disk, who uses it, which mirror fails. */
function usage(stats: Stats): string[] {
  const lines: string[] = [];
  const hit = stats.hit_ratio;
  if (hit) {
    lines.push(
      `hit ratio: ${percent(hit.requests.session)} of requests and ${
        percent(hit.bytes.session)
      } of bytes from the cache this run (all time ${percent(hit.requests.all_time)} and ${
        percent(hit.bytes.all_time)
      })`,
    );
  }
  const week = stats.saved?.last_7_days;
  if (week) {
    lines.push(
      `last 7 days: ${formatBytes(week.not_from_mirrors)} not from mirrors (${
        percent(week.mirror_share_saved)
      }), ${formatBytes(week.from_mirrors)} from mirrors`,
    );
  }
  const disk = stats.disk;
  if (disk && disk.free_bytes !== null && disk.total_bytes !== null) {
    lines.push(
      `disk: ${formatBytes(disk.free_bytes)} free of ${
        formatBytes(disk.total_bytes)
      }; cache limit ${disk.max_bytes ? formatBytes(disk.max_bytes) : "none"}`,
    );
  }
  if (stats.clients) {
    const top = stats.clients.slice(0, 5).map((c) =>
      `${c.address} (${c.requests} requests, ${c.hits} from the cache)`
    );
    lines.push(
      `clients this run: ${stats.clients.length}${top.length ? `: ${top.join(", ")}` : ""}`,
    );
  }
  for (const m of stats.mirrors ?? []) {
    lines.push(
      `mirror ${m.scheme}://${m.host}: ${m.requests} requests, ${m.errors} failed${
        m.failing ? " (failing now)" : ""
      }`,
    );
  }
  return lines;
}

/** Bytes from peers versus mirrors, and the share peers saved. */
function traffic(bytes: Record<string, number>, uploaded: number): string {
  const peer = bytes.peer ?? 0;
  const mirror = bytes.mirror ?? 0;
  const cache = HIT_SOURCES.reduce((sum, source) => sum + (bytes[source] ?? 0), 0);
  const fetched = peer + mirror;
  const share = fetched ? ` (${Math.round(100 * peer / fetched)}% of downloads from peers)` : "";
  return `from peers ${formatBytes(peer)}, from mirrors ${formatBytes(mirror)}, from the cache ${
    formatBytes(cache)
  }${share}; uploaded ${formatBytes(uploaded)}`;
}

/** The summary text for a `/stats.json` document. */
export function statusSummary(stats: Stats, base: string): string {
  const lines = [
    `apt-dht ${stats.version} at ${base}, up ${
      formatDuration(stats.uptime_seconds)
    }, ${stats.active_downloads} downloads in progress`,
    `this run: ${traffic(stats.bytes, stats.uploaded)}`,
  ];
  if (stats.all_time) {
    lines.push(`all time: ${traffic(stats.all_time.bytes, stats.all_time.uploaded)}`);
  }
  if (stats.wire) {
    const w = (key: string) => formatBytes(stats.wire![key] ?? 0);
    lines.push(
      `on the wire this run: mirrors ${w("mirror_in")} in / ${w("mirror_out")} out, ` +
        `peers ${w("peer_in")} in / ${w("peer_out")} out`,
    );
  }
  if (stats.cache) {
    lines.push(`cache: ${stats.cache.files} files, ${formatBytes(stats.cache.bytes)}`);
  }
  lines.push(...usage(stats));
  for (const problem of stats.problems ?? []) {
    lines.push(
      `PROBLEM: ${problem.what}: ${problem.detail}${
        problem.action ? ` What to do: ${problem.action}` : ""
      }`,
    );
  }
  if (stats.refused) lines.push(`refused requests: ${stats.refused}`);
  const dht = stats.dht;
  lines.push(
    dht
      ? `DHT: node ${dht.id.slice(0, 12)}…, ${dht.nodes} nodes in the routing table, about ${
        dht.estimatedNodes ?? "?"
      } in the network, ${dht.storedInfoHashes} keys and ${dht.storedItems} items stored`
      : "DHT: off",
  );
  const lan = stats.lan;
  if (lan) {
    const found = lan.discovery?.nodes.map((n) => `${urlHost(n.address)}:${n.port}`) ?? [];
    lines.push(
      lan.discovery
        ? `LAN discovery: on (${
          lan.discovery.interfaces.join(", ") || "no LAN interface"
        }), ${found.length} apt-dht nodes found${
          found.length ? `: ${found.slice(0, 8).join(", ")}` : ""
        }`
        : "LAN discovery: off (dht.lan_discovery)",
      lan.advertise
        ? `mDNS: advertising ${lan.advertise.service} on ${
          lan.advertise.interfaces.join(", ") || "no interface (none has allowed clients)"
        }`
        : "mDNS advertising: off (server.advertise)",
    );
  }
  const privacy = stats.privacy;
  if (privacy) {
    const { security_update, vulnerable } = privacy.withheld_by_reason;
    lines.push(
      privacy.announce
        ? `withheld from the DHT: ${privacy.withheld} (${security_update} with a newer security version, ${vulnerable} older than a listed fix)${
          privacy.vulnerability_list?.error
            ? `; vulnerability list unreadable: ${privacy.vulnerability_list.error}`
            : ""
        }`
        : "announcing nothing (peers.announce = false)",
    );
  }
  lines.push(`peers seen: ${stats.peers.length}`);
  for (const peer of stats.peers.slice(0, 5)) {
    lines.push(
      `  ${peer.address}:${peer.port}  down ${formatBytes(peer.bytes_down)}  up ${
        formatBytes(peer.bytes_up)
      }  score ${peer.score}${peer.voters ? `  voted against by ${peer.voters}` : ""}`,
    );
  }
  const untrusted = stats.releases.filter((r) => !r.trusted);
  lines.push(`archives: ${stats.releases.length}, ${untrusted.length} not trusted`);
  for (const release of untrusted) lines.push(`  ${release.release}: ${release.reason ?? "?"}`);
  return lines.join("\n") + "\n";
}

/** Fetches `/stats.json` from the daemon at `base` and returns the summary. */
export async function fetchStatus(base: string, timeoutMs = 5_000): Promise<string> {
  const response = await fetch(`${base}/stats.json`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${base}/stats.json answered ${response.status}`);
  }
  return statusSummary(await response.json() as Stats, base);
}

/** `apt-dht status`: prints the summary of the daemon at `host` (default: where it listens). */
export async function runStatus(server: Config["server"], host?: string): Promise<number> {
  const at = host ?? localAddressOf(server.listen);
  try {
    console.log((await fetchStatus(`http://${at}:${server.port}`)).trimEnd());
    return 0;
  } catch (error) {
    console.error(
      `apt-dht: no daemon answered at ${at}:${server.port}: ${(error as Error).message}`,
    );
    return 1;
  }
}

/** An address of this machine the daemon listening on `listen` answers at. */
function localAddressOf(listen: string): string {
  if (listen === "0.0.0.0" || listen === "") return "127.0.0.1";
  if (listen === "::") return "[::1]";
  return listen.includes(":") ? `[${listen}]` : listen;
}
