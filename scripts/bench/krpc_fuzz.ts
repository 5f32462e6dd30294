/**
 * Benchmark: a long seeded KRPC fuzz on real UDP against a DHT node in its
 * own process, several seeds, each for minutes: hostile datagrams (see
 * tests/helpers/hostile_datagrams.ts) at a steady rate from 100 addresses.
 * The reference, in the same run: valid pings at the same rate. Prints and
 * writes (bench-results/krpc_fuzz.json) per run the datagrams sent and
 * read, how many were malformed, the longest stall of the node's event
 * loop, and its RSS. Target: no stall over 100 ms.
 *
 *   deno run -P=test scripts/bench/krpc_fuzz.ts [--seconds 60] [--seeds 1,2,3] [--rate 2000]
 */

import { parseArgs } from "node:util";
import { hostileDatagrams, krpcSeeds } from "../../tests/helpers/hostile_datagrams.ts";
import { startFloodTarget } from "../../tests/helpers/flood_target.ts";
import { writeResults } from "./results.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string" }, seeds: { type: "string" }, rate: { type: "string" } },
});
const SECONDS = Number(values.seconds ?? 60);
const SEEDS = (values.seeds ?? "1,2,3").split(",").map(Number);
const RATE = Number(values.rate ?? 2000);
const SOURCES = 100;
const STALL_TARGET_MS = 100;

interface Run {
  traffic: string;
  seed: number | null;
  sent: number;
  sent_bytes: number;
  read: number;
  malformed: number;
  longest_stall_ms: number;
  rss_start_mb: number;
  rss_peak_mb: number;
}

/** One run: `next` datagrams at RATE a second for SECONDS, sampled every 10 s. */
async function run(traffic: string, seed: number | null, next: () => Uint8Array): Promise<Run> {
  await using target = await startFloodTarget();
  const sockets = Array.from(
    { length: SOURCES },
    (_, i) =>
      Deno.listenDatagram({
        transport: "udp",
        hostname: `127.0.6.${1 + i}`,
        port: 0,
      }),
  );
  try {
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: target.port };
    const start = await target.measure();
    let longest = 0;
    let peakRss = start.rss;
    let sent = 0;
    let bytes = 0;
    const started = performance.now();
    let nextSample = 10;
    let last = start;
    while (performance.now() - started < SECONDS * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      for (; sent < due; sent++) {
        const datagram = next();
        bytes += datagram.length;
        sockets[sent % SOURCES].send(datagram, to).catch(() => {});
      }
      if ((performance.now() - started) / 1000 >= nextSample) {
        last = await target.measure();
        longest = Math.max(longest, last.longestStallMs);
        peakRss = Math.max(peakRss, last.rss);
        nextSample += 10;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    last = await target.measure();
    longest = Math.max(longest, last.longestStallMs);
    peakRss = Math.max(peakRss, last.rss);
    const result: Run = {
      traffic,
      seed,
      sent,
      sent_bytes: bytes,
      read: last.packetsIn - start.packetsIn,
      malformed: last.malformed - start.malformed,
      longest_stall_ms: longest,
      rss_start_mb: Math.round(start.rss / 1e6),
      rss_peak_mb: Math.round(peakRss / 1e6),
    };
    console.log(
      `${traffic.padEnd(8)} seed ${String(seed ?? "-").padEnd(4)} ${sent} sent (${
        (bytes / 1e6).toFixed(0)
      } MB), ${result.read} read, ${result.malformed} malformed, longest stall ${longest} ms, RSS ${result.rss_start_mb} → peak ${result.rss_peak_mb} MB`,
    );
    return result;
  } finally {
    for (const socket of sockets) socket.close();
  }
}

const runs: Run[] = [];
const ping = krpcSeeds()[0];
runs.push(await run("pings", null, () => ping));
for (const seed of SEEDS) runs.push(await run("hostile", seed, hostileDatagrams(seed)));
const hostile = runs.filter((r) => r.traffic === "hostile");
const worst = Math.max(...hostile.map((r) => r.longest_stall_ms));
console.log(
  `longest stall under hostile traffic ${worst} ms (target < ${STALL_TARGET_MS}); under valid pings ${
    runs[0].longest_stall_ms
  } ms`,
);
await writeResults("krpc_fuzz", {
  seconds: SECONDS,
  rate_per_second: RATE,
  sources: SOURCES,
  stall_target_ms: STALL_TARGET_MS,
  worst_stall_ms: worst,
  runs,
});
Deno.exit(0);
