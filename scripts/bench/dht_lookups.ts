/**
 * Benchmark: lookups in a 500-node DHT on loopback UDP (each node on its own
 * 127.x.y.z address), at 0% and at 20% packet loss (every node's socket
 * drops that share of what it sends). For 200 lookups of announced keys from
 * random nodes: success rate, median and 95th-percentile time to find the
 * peer, hops, and messages sent per lookup; and the network-size estimate
 * against the true size. Prints a table and writes bench-results/dht_lookups.json.
 *
 *   deno run -P=test scripts/bench/dht_lookups.ts [--nodes 500] [--lookups 200] [--concurrent 4]
 */

import { parseArgs } from "node:util";
import { type DhtNode, type LookupResult, randomId } from "../../src/dht/mod.ts";
import { startDhtNetwork } from "../../tests/helpers/dht_network.ts";
import { median, percentile, writeResults } from "./results.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    nodes: { type: "string" },
    lookups: { type: "string" },
    concurrent: { type: "string" },
  },
});
const NODES = Number(values.nodes ?? 500);
const LOOKUPS = Number(values.lookups ?? 200);
const KEYS = 50;
/**
 * Lookups in flight at once. All 500 nodes share this process and its 2 cores, so
 * many parallel lookups measure the CPU, not the protocol; a few keep the loss phase short.
 */
const CONCURRENT = Number(values.concurrent ?? 4);

function sent(node: DhtNode): number {
  const c = node.stats().counters;
  return Object.values(c.queriesSent).reduce((a, b) => a + b, 0) + c.retransmissions;
}

interface Sample {
  found: boolean;
  /** Until the announced peer was yielded (or the end, if never). */
  ms: number;
  /** Until the lookup finished. */
  completeMs: number;
  hops: number;
  messages: number;
}

/** One lookup: time until the announced peer shows up; the lookup runs to its end for hops and messages. */
async function lookup(node: DhtNode, key: Uint8Array, port: number): Promise<Sample> {
  const before = sent(node);
  const started = performance.now();
  let foundAt: number | undefined;
  const lookup = node.findPeers(key);
  let result: LookupResult;
  while (true) {
    const next = await lookup.next();
    if (next.done) {
      result = next.value;
      break;
    }
    if (next.value.port === port && foundAt === undefined) foundAt = performance.now() - started;
  }
  return {
    found: foundAt !== undefined,
    ms: foundAt ?? performance.now() - started,
    completeMs: performance.now() - started,
    hops: result.hops,
    messages: sent(node) - before,
  };
}

async function phase(label: string, nodes: DhtNode[], random: () => number) {
  const pick = () => nodes[Math.floor(random() * nodes.length)];
  const keys = Array.from(
    { length: KEYS },
    (_, i) => ({ key: randomId(), port: 30_000 + i, owner: pick() }),
  );
  const announceStarted = performance.now();
  const stored = await Promise.all(keys.map((k) => k.owner.announce(k.key, k.port)));
  const announceSeconds = (performance.now() - announceStarted) / 1000;
  const samples: Sample[] = [];
  for (let i = 0; i < LOOKUPS; i += CONCURRENT) {
    const batch = [];
    for (let j = i; j < Math.min(LOOKUPS, i + CONCURRENT); j++) {
      const target = keys[Math.floor(random() * keys.length)];
      batch.push(lookup(pick(), target.key, target.port));
    }
    samples.push(...await Promise.all(batch));
  }
  const found = samples.filter((s) => s.found);
  const figures = {
    lookups: samples.length,
    success_rate: +(found.length / samples.length).toFixed(4),
    median_ms: +median(found.map((s) => s.ms)).toFixed(1),
    p95_ms: +percentile(found.map((s) => s.ms), 95).toFixed(1),
    median_complete_ms: +median(samples.map((s) => s.completeMs)).toFixed(1),
    p95_complete_ms: +percentile(samples.map((s) => s.completeMs), 95).toFixed(1),
    median_hops: median(samples.map((s) => s.hops)),
    mean_messages: +(samples.reduce((n, s) => n + s.messages, 0) / samples.length).toFixed(1),
    announces_median_stored: median(stored.map((s) => s.stored)),
    announce_seconds_all: +announceSeconds.toFixed(1),
  };
  console.log(
    `${label.padEnd(9)} success ${
      (figures.success_rate * 100).toFixed(1)
    }%  found in: median ${figures.median_ms} ms, p95 ${figures.p95_ms} ms  complete: median ${figures.median_complete_ms} ms, p95 ${figures.p95_complete_ms} ms  hops ${figures.median_hops}  messages ${figures.mean_messages}`,
  );
  return figures;
}

let seed = 12345;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

const formed = performance.now();
const network = await startDhtNetwork(NODES);
const formSeconds = (performance.now() - formed) / 1000;
console.log(`${NODES} nodes joined and refreshed in ${formSeconds.toFixed(1)} s`);
try {
  const clean = await phase("0% loss", network.nodes, random);
  network.setLoss(0.2);
  const lossy = await phase("20% loss", network.nodes, random);
  network.setLoss(0);
  // The size estimate. Every node's estimate still carries the lookups it made while the
  // network was forming (it grew from 1 to 500 nodes in seconds), so first each node makes
  // 10 lookups in the formed network, as it would for its downloads and bucket refreshes.
  const beforeSettling = median(network.nodes.map((n) => n.stats().estimatedNodes ?? 0));
  for (let i = 0; i < NODES; i += 50) {
    await Promise.all(
      network.nodes.slice(i, i + 50).map(async (node) => {
        for (let j = 0; j < 10; j++) await node.findNode(randomId());
      }),
    );
  }
  const estimates = network.nodes.map((n) => n.stats().estimatedNodes ?? 0);
  const size = {
    true_nodes: NODES,
    median_estimate_right_after_forming: beforeSettling,
    median_estimate_all_nodes: median(estimates),
    p10_estimate: percentile(estimates, 10),
    p90_estimate: percentile(estimates, 90),
  };
  const ratio = Math.max(
    size.median_estimate_all_nodes / NODES,
    NODES / size.median_estimate_all_nodes,
  );
  console.log(
    `size estimate: median over nodes ${size.median_estimate_all_nodes} (p10 ${size.p10_estimate}, p90 ${size.p90_estimate}; ${beforeSettling} right after forming), true ${NODES}, factor ${
      ratio.toFixed(2)
    }`,
  );
  const targets = {
    success_0: clean.success_rate >= 1,
    success_20: lossy.success_rate >= 0.99,
    median_0_under_50ms: clean.median_ms < 50,
    median_20_under_3s: lossy.median_ms < 3000,
    estimate_within_1_5: ratio <= 1.5,
  };
  console.log(
    `targets: ${
      Object.entries(targets).map(([k, v]) => `${k} ${v ? "met" : "NOT met"}`).join(", ")
    }`,
  );
  await writeResults("dht_lookups", {
    nodes: NODES,
    concurrent_lookups: CONCURRENT,
    formation_seconds: +formSeconds.toFixed(1),
    loss_0: clean,
    loss_20: lossy,
    size_estimate: size,
    targets,
  });
} finally {
  await network.stop();
}
