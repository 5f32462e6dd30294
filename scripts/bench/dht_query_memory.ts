/**
 * Benchmark: a DHT node's memory under a steady query load from many
 * sources, as on the public DHT: 500 queries a second (ping, find_node,
 * get_peers, announce_peer with valid tokens) from 1,000 addresses for
 * 120 s, against a node in its own process. Prints RSS and heap every
 * 10 s; writes bench-results/dht_query_memory.json. Target: at most 120 MB
 * RSS.
 *
 *   deno run -P=test scripts/bench/dht_query_memory.ts [--seconds 120]
 */

import { parseArgs } from "node:util";
import { randomId } from "../../src/dht/mod.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import { startFloodTarget } from "../../tests/helpers/flood_target.ts";
import { writeResults } from "./results.ts";

const { values } = parseArgs({ args: Deno.args, options: { seconds: { type: "string" } } });
const SECONDS = Number(values.seconds ?? 120);
const PER_SECOND = 500;
const SOURCES = 1_000;

const flood = await startFloodTarget();
const sockets: Deno.DatagramConn[] = [];
try {
  const target = { transport: "udp" as const, hostname: "127.0.0.1", port: flood.port };
  for (let i = 0; i < SOURCES; i++) {
    sockets.push(Deno.listenDatagram({
      transport: "udp",
      hostname: `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`,
      port: 0,
    }));
  }
  const tokens: (Uint8Array | undefined)[] = new Array(SOURCES);
  // Read every answer (as real nodes do), keeping each source's latest token.
  const reading = sockets.map(async (socket, i) => {
    try {
      for await (const [data] of socket) {
        const message = decodeMessage(data.slice());
        if (message.kind === "response" && message.body.token) tokens[i] = message.body.token;
      }
    } catch { /* closed */ }
  });
  const samples: { second: number; rss_mb: number; heap_mb: number; stored_peers: number }[] = [];
  const sample = async (second: number) => {
    const m = await flood.measure();
    const row = {
      second,
      rss_mb: Math.round(m.rss / 1e6),
      heap_mb: Math.round(m.heapUsed / 1e6),
      stored_peers: m.storedPeers,
    };
    samples.push(row);
    console.log(
      `${
        String(second).padStart(4)
      } s  RSS ${row.rss_mb} MB  heap ${row.heap_mb} MB  stored ${row.stored_peers}`,
    );
  };
  await sample(0);
  const started = performance.now();
  let sent = 0;
  let nextSample = 10;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * PER_SECOND);
    for (; sent < due; sent++) {
      const source = sent % SOURCES;
      const kind = sent % 4;
      const tid = crypto.getRandomValues(new Uint8Array(2));
      const token = tokens[source];
      const packet = kind === 3 && token
        ? encodeMessage({
          kind: "query",
          tid,
          method: "announce_peer",
          args: { id: randomId(), infoHash: randomId(), port: 6881, token, impliedPort: false },
        })
        : kind === 0
        ? encodeMessage({ kind: "query", tid, method: "ping", args: { id: randomId() } })
        : kind === 1
        ? encodeMessage({
          kind: "query",
          tid,
          method: "find_node",
          args: { id: randomId(), target: randomId() },
        })
        : encodeMessage({
          kind: "query",
          tid,
          method: "get_peers",
          args: { id: randomId(), infoHash: randomId() },
        });
      sockets[source].send(packet, target).catch(() => {});
    }
    if ((performance.now() - started) / 1000 >= nextSample) {
      await sample(nextSample);
      nextSample += 10;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const peak = Math.max(...samples.map((s) => s.rss_mb));
  console.log(
    `${sent} queries in ${SECONDS} s from ${SOURCES} addresses: peak RSS ${peak} MB (target ≤ 120)`,
  );
  await writeResults("dht_query_memory", {
    seconds: SECONDS,
    queries_per_second: PER_SECOND,
    sources: SOURCES,
    queries: sent,
    peak_rss_mb: peak,
    target_rss_mb: 120,
    samples,
  });
  for (const socket of sockets) socket.close();
  await Promise.all(reading);
} finally {
  for (const socket of sockets) {
    try {
      socket.close();
    } catch { /* closed */ }
  }
  await flood[Symbol.asyncDispose]();
}
Deno.exit(0);
