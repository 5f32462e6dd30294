/**
 * `/metrics` in the Prometheus text format (0.0.4): the snapshot under the
 * conventional names: an `aptdht_` prefix, base units (`_bytes`,
 * `_seconds`), `_total` on counters, and labels of small fixed sets only.
 *
 * @module
 */

import type { StatusSnapshot } from "./snapshot.ts";

type Kind = "counter" | "gauge";

class MetricsText {
  readonly #lines: string[] = [];

  /** One metric: its HELP and TYPE, then a sample per label set. */
  add(
    name: string,
    kind: Kind,
    help: string,
    samples: number | readonly [Record<string, string>, number][],
  ): this {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`);
    if (typeof samples === "number") this.#lines.push(`${name} ${samples}`);
    else {
      for (const [labels, value] of samples) {
        const text = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
        this.#lines.push(`${name}{${text}} ${value}`);
      }
    }
    return this;
  }

  toString(): string {
    return this.#lines.join("\n") + "\n";
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

const by = (label: string, record: Record<string, number>) =>
  Object.entries(record).sort().map(([k, v]) =>
    [{ [label]: k }, v] as [Record<string, string>, number]
  );

/** `mirror_in` → {party="mirror",direction="in"}. */
const wireSamples = (wire: Record<string, number>) =>
  Object.entries(wire).sort().map(([key, v]) => {
    const [party, direction] = key.split("_");
    return [{ party, direction }, v] as [Record<string, string>, number];
  });

/** The metrics page. */
export function metricsText(s: StatusSnapshot): string {
  const m = new MetricsText()
    .add("aptdht_build_info", "gauge", "Version of the running daemon.", [[
      { version: s.version },
      1,
    ]])
    .add(
      "aptdht_start_time_seconds",
      "gauge",
      "When the daemon started, in seconds since the epoch.",
      Date.parse(s.started_at) / 1000,
    )
    .add("aptdht_uptime_seconds", "gauge", "Seconds since the daemon started.", s.uptime_seconds)
    .add(
      "aptdht_downloads_in_progress",
      "gauge",
      "Shared downloads running now.",
      s.active_downloads,
    )
    .add(
      "aptdht_requests_total",
      "counter",
      "Archive requests answered this run, by where the bytes came from.",
      by("source", s.requests),
    )
    .add(
      "aptdht_served_bytes_total",
      "counter",
      "Body bytes sent to apt this run, by where they came from.",
      by("source", s.bytes),
    )
    .add("aptdht_uploaded_bytes_total", "counter", "Body bytes sent to peers this run.", s.uploaded)
    .add(
      "aptdht_uploaded_growing_bytes_total",
      "counter",
      "Body bytes sent to peers this run from downloads still in progress.",
      s.uploaded_growing,
    )
    .add(
      "aptdht_wire_bytes_total",
      "counter",
      "Bytes on the wire with mirrors and peers this run, heads included; party tunnel: relayed through CONNECT.",
      wireSamples(s.wire),
    )
    .add("aptdht_tunnels_open", "gauge", "CONNECT tunnels open now.", s.tunnels.open)
    .add(
      "aptdht_tunnels_total",
      "counter",
      "CONNECT tunnels this run: opened, or failed (refused after resolving, or unreachable).",
      [[{ outcome: "opened" }, s.tunnels.opened], [{ outcome: "failed" }, s.tunnels.failed]],
    )
    .add(
      "aptdht_connections_open",
      "gauge",
      "Client connections open now (apt and peers).",
      s.connections.open,
    )
    .add(
      "aptdht_connections_closed_total",
      "counter",
      "Connections the daemon closed or turned away this run, by why (timeouts, caps, bad heads).",
      by("reason", s.connections.closed),
    )
    .add(
      "aptdht_refused_requests_total",
      "counter",
      "Requests refused this run (client not allowed, bad path, loop).",
      s.refused,
    );
  if (s.all_time) {
    m.add(
      "aptdht_served_bytes_all_time_total",
      "counter",
      "Body bytes sent to apt over every run, by where they came from.",
      by("source", s.all_time.bytes),
    ).add(
      "aptdht_wire_bytes_all_time_total",
      "counter",
      "Bytes on the wire with mirrors and peers over every run, heads included.",
      wireSamples(s.all_time.wire),
    ).add(
      "aptdht_uploaded_bytes_all_time_total",
      "counter",
      "Body bytes sent to peers over every run.",
      s.all_time.uploaded,
    );
  }
  if (s.cache) {
    m.add("aptdht_cache_files", "gauge", "Files in the cache.", s.cache.files)
      .add("aptdht_cache_size_bytes", "gauge", "Bytes of the files in the cache.", s.cache.bytes);
  }
  if (s.disk?.free_bytes != null) {
    m.add(
      "aptdht_disk_free_bytes",
      "gauge",
      "Bytes free on the cache's file system.",
      s.disk.free_bytes,
    );
  }
  // By mirror: at most 64 hosts (mirror_health.ts), the ones apt's sources name.
  const mirror = (m: { scheme: string; host: string }) => ({ mirror: `${m.scheme}://${m.host}` });
  m.add(
    "aptdht_mirror_requests_total",
    "counter",
    "Requests to each mirror this run.",
    s.mirrors.map((x) => [mirror(x), x.requests]),
  ).add(
    "aptdht_mirror_errors_total",
    "counter",
    "Requests to each mirror that failed this run (no answer, 5xx, a body cut short).",
    s.mirrors.map((x) => [mirror(x), x.errors]),
  ).add(
    "aptdht_mirror_failing",
    "gauge",
    "1 while a mirror's latest answer is a failure.",
    s.mirrors.map((x) => [mirror(x), x.failing ? 1 : 0]),
  );
  m.add("aptdht_peers_known", "gauge", "Peers with a record.", s.peers.length)
    .add(
      "aptdht_releases",
      "gauge",
      "Release files seen, by whether their signature verified.",
      [
        [{ trusted: "true" }, s.releases.filter((r) => r.trusted).length],
        [{ trusted: "false" }, s.releases.filter((r) => !r.trusted).length],
      ],
    )
    .add("aptdht_problems", "gauge", "Conditions shown on the status page.", s.problems.length);
  const d = s.dht;
  if (d) {
    m.add(
      "aptdht_dht_up",
      "gauge",
      "1 when the DHT node knows nodes that answer.",
      d.reachable ? 1 : 0,
    )
      .add("aptdht_dht_routing_table_nodes", "gauge", "Nodes in the routing table.", d.nodes)
      .add(
        "aptdht_dht_estimated_network_nodes",
        "gauge",
        "Estimated size of the DHT network.",
        d.estimatedNodes ?? 0,
      )
      .add("aptdht_dht_stored_peers", "gauge", "Peer entries stored for others.", d.storedPeers)
      .add("aptdht_dht_stored_items", "gauge", "BEP 44 items stored for others.", d.storedItems)
      .add(
        "aptdht_dht_stored_votes",
        "gauge",
        "Votes about peers stored for others.",
        d.storedVotes,
      )
      .add(
        "aptdht_dht_queries_sent_total",
        "counter",
        "KRPC queries sent, by method.",
        by("method", d.counters.queriesSent),
      )
      .add(
        "aptdht_dht_queries_received_total",
        "counter",
        "KRPC queries received, by method.",
        by("method", d.counters.queriesReceived),
      )
      .add(
        "aptdht_dht_query_timeouts_total",
        "counter",
        "KRPC queries that went unanswered, by method.",
        by("method", d.counters.timeoutsByMethod),
      )
      .add("aptdht_dht_received_bytes_total", "counter", "UDP bytes received.", d.counters.bytesIn)
      .add("aptdht_dht_sent_bytes_total", "counter", "UDP bytes sent.", d.counters.bytesOut)
      .add(
        "aptdht_dht_malformed_packets_total",
        "counter",
        "Packets that did not decode.",
        d.counters.malformed,
      );
  }
  const lan = s.lan.discovery;
  if (lan) {
    m.add("aptdht_lan_nodes", "gauge", "apt-dht nodes found on the LAN (BEP 14).", lan.nodes.length)
      .add(
        "aptdht_lan_events_total",
        "counter",
        "LAN discovery: datagrams heard and what became of them, announces sent, nodes found and lost.",
        by(
          "event",
          Object.fromEntries(
            Object.entries(lan.counters).filter(([k]) => k !== "silent_endpoints"),
          ),
        ),
      );
  }
  if (s.privacy) {
    m.add(
      "aptdht_withheld_files",
      "gauge",
      "Contents kept out of the DHT (a newer security version, or a newer fix on the vulnerability list).",
      by("reason", s.privacy.withheld_by_reason),
    );
  }
  if (s.event_loop) {
    m.add(
      "aptdht_event_loop_longest_stall_seconds",
      "gauge",
      "The longest time the event loop was held up in the last minute.",
      s.event_loop.longest_stall_ms_last_minute / 1000,
    ).add(
      "aptdht_event_loop_stalls_total",
      "counter",
      "Times the event loop was held up for more than a second.",
      s.event_loop.stalls_over_1s,
    );
  }
  return m.toString();
}
