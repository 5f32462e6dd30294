import assert from "node:assert/strict";
import { metricsText } from "../../src/server/status/metrics.ts";
import { statusSnapshot } from "../../src/server/status/snapshot.ts";
import { TrafficCounters } from "../../src/stats/mod.ts";
import { DhtCounters } from "../../src/dht/stats.ts";

/** Parses the text format strictly enough to catch malformed lines: name{labels} value. */
function parseMetrics(text: string) {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.trimEnd().split("\n")) {
    const type = /^# TYPE ([a-z_:][a-z0-9_:]*) (counter|gauge)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (/^# HELP [a-z_:][a-z0-9_:]* \S/.test(line)) continue;
    const sample = /^([a-z_:][a-z0-9_:]*)(\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+)$/
      .exec(line);
    assert.ok(sample, `malformed line: ${line}`);
    assert.ok(types.has(sample[1]), `${sample[1]} has a TYPE before its samples`);
    samples.set(sample[1] + (sample[2] ?? ""), Number(sample[3]));
  }
  return { samples, types };
}

Deno.test("/metrics says the snapshot in Prometheus text with conventional names", () => {
  const counters = new TrafficCounters(() => 1_000_000);
  counters.served("peer", 3000);
  counters.served("mirror", 1000);
  counters.served("cache", 500);
  counters.uploaded = 700;
  const dht = new DhtCounters();
  dht.countQuerySent("get_peers");
  dht.countQuerySent("get_peers");
  dht.countTimeout("get_peers");
  dht.countQueryReceived("ping");
  dht.responsesReceived = 1;
  const snapshot = statusSnapshot({
    version: "1.2.3",
    counters,
    activeDownloads: () => 2,
    loop: () => ({ longestMsLastMinute: 250, reported: 3 }),
    cache: () => ({ files: 5, bytes: 12345 }),
    dht: () => ({
      id: "ab".repeat(20),
      address: "0.0.0.0",
      port: 1,
      nodes: 8,
      buckets: 1,
      estimatedNodes: 120,
      storedInfoHashes: 1,
      storedPeers: 2,
      storedItems: 3,
      storedVotes: 2,
      pendingQueries: 0,
      counters: dht,
    }),
    now: () => 1_060_000,
  });
  assert.equal(snapshot.saved.session.peer_share, 0.75);
  const { samples, types } = parseMetrics(metricsText(snapshot));
  for (const [name, type] of types) {
    assert.match(name, /^aptdht_/);
    if (type === "counter") assert.match(name, /_total$/, name);
  }
  assert.equal(samples.get('aptdht_build_info{version="1.2.3"}'), 1);
  assert.equal(samples.get("aptdht_uptime_seconds"), 60);
  assert.equal(samples.get("aptdht_start_time_seconds"), 1000);
  assert.equal(samples.get('aptdht_served_bytes_total{source="peer"}'), 3000);
  assert.equal(samples.get('aptdht_requests_total{source="mirror"}'), 1);
  assert.equal(samples.get("aptdht_uploaded_bytes_total"), 700);
  assert.equal(samples.get("aptdht_cache_size_bytes"), 12345);
  assert.equal(samples.get("aptdht_downloads_in_progress"), 2);
  assert.deepEqual(snapshot.event_loop, { longest_stall_ms_last_minute: 250, stalls_over_1s: 3 });
  assert.equal(samples.get("aptdht_event_loop_longest_stall_seconds"), 0.25);
  assert.equal(samples.get("aptdht_event_loop_stalls_total"), 3);
  assert.equal(samples.get('aptdht_dht_queries_sent_total{method="get_peers"}'), 2);
  assert.equal(samples.get('aptdht_dht_query_timeouts_total{method="get_peers"}'), 1);
  assert.equal(samples.get('aptdht_dht_queries_received_total{method="ping"}'), 1);
  assert.equal(samples.get("aptdht_dht_up"), 1);
  assert.equal(samples.get("aptdht_dht_routing_table_nodes"), 8);
});

Deno.test("a browser's /favicon.ico gets 204 and is not counted as refused", async () => {
  const { startTestDaemon } = await import("../helpers/daemon.ts");
  await using daemon = await startTestDaemon({ dht: { enabled: false } });
  const icon = await fetch(`${daemon.base}/favicon.ico`);
  await icon.body?.cancel();
  assert.equal(icon.status, 204);
  const bad = await fetch(`${daemon.base}/not-a-host`); // a real refusal, for contrast
  await bad.body?.cancel();
  const metrics = await (await fetch(`${daemon.base}/metrics`)).text();
  assert.match(metrics, /^aptdht_refused_requests_total 1$/m);
});

Deno.test("the status page shows a DHT with no bootstrap and no nodes as waiting, not as a fault", async () => {
  const { statusHtml } = await import("../../src/server/status/html.ts");
  const page = (nodes: number, bootstrap: number) =>
    statusHtml(statusSnapshot({
      version: "1",
      counters: new TrafficCounters(),
      activeDownloads: () => 0,
      dht: () => ({
        id: "ab".repeat(20),
        address: "0.0.0.0",
        port: 1,
        nodes,
        buckets: 1,
        storedInfoHashes: 0,
        storedPeers: 0,
        storedItems: 0,
        storedVotes: 0,
        pendingQueries: 0,
        counters: new DhtCounters(),
      }),
      dhtBootstrap: () => bootstrap,
    }));
  const state = (html: string) =>
    /<td class="([^"]*)"><span data-stat="dht\.reachable"[^>]*>([^<]*)</.exec(html)!;
  // The words of the log line (dht.waiting, dht.not_joined) begin the state.
  const waiting = state(page(0, 0));
  assert.equal(waiting[1], "");
  assert.match(waiting[2], /^waiting: no bootstrap node configured/);
  const stuck = state(page(0, 2)); // told where to join, and nobody answers: a fault
  assert.equal(stuck[1], "bad");
  assert.match(stuck[2], /^not joined/);
});
