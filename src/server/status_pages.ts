/**
 * The daemon's own pages: `/` (HTML summary), `/stats.json` and `/metrics`
 * (Prometheus text format). The full status page grows with the DHT and
 * peer statistics; these show what this run has served and from where.
 *
 * @module
 */

import type { Totals, TrafficCounters } from "../stats/mod.ts";
import type { DhtStats } from "../dht/mod.ts";
import type { ReleaseTrustRecord } from "../apt/release_trust.ts";

/** What the pages show of a peer. */
export interface PeerSummary {
  readonly address: string;
  readonly port: number;
  readonly bytesDown: number;
  readonly bytesUp: number;
  readonly hashErrors: readonly number[];
  readonly failures: number;
  readonly score: number;
}

/** What the pages report. */
export interface StatusSource {
  readonly version: string;
  readonly counters: TrafficCounters;
  readonly activeDownloads: () => number;
  readonly dht?: () => DhtStats | undefined;
  /** Totals over every run, from the database. */
  readonly allTime?: () => Totals;
  /** Peers seen, best first. */
  readonly peers?: () => readonly PeerSummary[];
  /** Release files seen and whether their signatures verified. */
  readonly releases?: () => readonly ReleaseTrustRecord[];
  readonly now?: () => number;
}

/** The numbers behind every page. */
export function statusSnapshot(source: StatusSource) {
  const now = source.now?.() ?? Date.now();
  return {
    version: source.version,
    uptime_seconds: Math.round((now - source.counters.startedAt) / 1000),
    active_downloads: source.activeDownloads(),
    ...source.counters.snapshot(),
    all_time: source.allTime?.() ?? null,
    dht: source.dht?.() ?? null,
    peers: (source.peers?.() ?? []).map((p) => ({
      address: p.address,
      port: p.port,
      bytes_down: p.bytesDown,
      bytes_up: p.bytesUp,
      hash_errors: p.hashErrors.length,
      failures: p.failures,
      score: +p.score.toFixed(3),
    })),
    releases: (source.releases?.() ?? []).map((r) => ({
      release: r.release,
      trusted: r.trusted,
      signer: r.signer ?? null,
      reason: r.reason ?? null,
      checked_at: new Date(r.checkedAt).toISOString(),
    })),
  };
}

function html(snapshot: ReturnType<typeof statusSnapshot>): string {
  const rows = (record: Record<string, number>) =>
    Object.entries(record).map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("") ||
    "<tr><td>nothing yet</td></tr>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>apt-dht</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}th,td{padding:.2em .8em;text-align:left}</style>
</head><body>
<h1>apt-dht ${snapshot.version}</h1>
<p>Up for ${snapshot.uptime_seconds} s; ${snapshot.active_downloads} downloads in progress; ${snapshot.refused} requests refused.</p>
<h2>Requests by source</h2><table>${rows(snapshot.requests)}</table>
<h2>Bytes by source</h2><table>${rows(snapshot.bytes)}</table>
<h2>DHT</h2>${
    snapshot.dht
      ? `<table><tr><th>node id</th><td>${snapshot.dht.id}</td></tr><tr><th>UDP</th><td>${snapshot.dht.address}:${snapshot.dht.port}</td></tr><tr><th>nodes in table</th><td>${snapshot.dht.nodes}</td></tr><tr><th>estimated network size</th><td>${
        snapshot.dht.estimatedNodes ?? "unknown"
      }</td></tr><tr><th>stored peers / items</th><td>${snapshot.dht.storedPeers} / ${snapshot.dht.storedItems}</td></tr></table>`
      : "<p>not running</p>"
  }
<h2>Peers</h2>${
    snapshot.peers.length
      ? `<table><tr><th>peer</th><th>down</th><th>up</th><th>hash errors</th><th>failures</th><th>score</th></tr>${
        snapshot.peers.map((p) =>
          `<tr><td>${p.address}:${p.port}</td><td>${p.bytes_down}</td><td>${p.bytes_up}</td><td>${p.hash_errors}</td><td>${p.failures}</td><td>${p.score}</td></tr>`
        ).join("")
      }</table>`
      : "<p>none yet</p>"
  }
<h2>Archives</h2>${
    snapshot.releases.length
      ? `<table><tr><th>Release</th><th>signature</th></tr>${
        snapshot.releases.map((r) =>
          `<tr><td>${escapeHtml(r.release)}</td><td>${
            r.trusted
              ? `good, key ${escapeHtml(r.signer ?? "")}`
              : `not trusted (peers not used): ${escapeHtml(r.reason ?? "")}`
          }</td></tr>`
        ).join("")
      }</table>`
      : "<p>none yet</p>"
  }
<p><a href="/stats.json">stats.json</a> · <a href="/metrics">metrics</a></p>
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function metrics(snapshot: ReturnType<typeof statusSnapshot>): string {
  const lines = [
    "# HELP aptdht_uptime_seconds Seconds since the daemon started.",
    "# TYPE aptdht_uptime_seconds gauge",
    `aptdht_uptime_seconds ${snapshot.uptime_seconds}`,
    "# HELP aptdht_downloads_active Downloads in progress.",
    "# TYPE aptdht_downloads_active gauge",
    `aptdht_downloads_active ${snapshot.active_downloads}`,
    "# HELP aptdht_requests_refused_total Requests refused (forbidden client, bad path, loop).",
    "# TYPE aptdht_requests_refused_total counter",
    `aptdht_requests_refused_total ${snapshot.refused}`,
    "# HELP aptdht_requests_total Archive requests answered, by where the bytes came from.",
    "# TYPE aptdht_requests_total counter",
    ...Object.entries(snapshot.requests).map(([source, n]) =>
      `aptdht_requests_total{source="${source}"} ${n}`
    ),
    "# HELP aptdht_served_bytes_total Bytes sent to apt, by where they came from.",
    "# TYPE aptdht_served_bytes_total counter",
    ...Object.entries(snapshot.bytes).map(([source, n]) =>
      `aptdht_served_bytes_total{source="${source}"} ${n}`
    ),
  ];
  return lines.join("\n") + "\n";
}

/** Answers one of the local paths. */
export function statusResponse(path: string, source: StatusSource): Response {
  const snapshot = statusSnapshot(source);
  if (path === "/stats.json") return Response.json(snapshot);
  if (path === "/metrics") {
    return new Response(metrics(snapshot), {
      headers: { "content-type": "text/plain; version=0.0.4" },
    });
  }
  return new Response(html(snapshot), { headers: { "content-type": "text/html; charset=utf-8" } });
}
