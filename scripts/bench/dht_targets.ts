/**
 * Benchmark: the DHT's targets on real UDP (loopback, each node on its own
 * address), 200 nodes. Keys are announced by 3 holders each (as the
 * announcer does: again when it comes round), then:
 *
 * - 30 % of the nodes are killed (no goodbye); lookups by one node that
 *   holds nothing (a daemon) of keys with a live holder: its first 20 (it
 *   learns who is gone), then 200 more; a hit is a live holder within
 *   `peers.wait` (0.3 s);
 * - with every live node losing 20 %, then 40 %, of what it sends (the
 *   looker too): 200 lookups each, a hit within 0.3 s.
 *
 * Lookups run one at a time (a wait measured on a busy process is the
 * process's). Prints the shares and writes bench-results/dht_targets.json.
 *
 *   deno run -P=test scripts/bench/dht_targets.ts [--nodes 200] [--lookups 200] [--seed 1]
 */

import { parseArgs } from "node:util";
import type { DhtNode, NodeId } from "../../src/dht/mod.ts";
import { startDhtNetwork } from "../../tests/helpers/dht_network.ts";
import { seededRandom } from "../../tests/helpers/seeded_random.ts";
import { percentile, writeResults } from "./results.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { nodes: { type: "string" }, lookups: { type: "string" }, seed: { type: "string" } },
});
const NODES = Number(values.nodes ?? 200);
const LOOKUPS = Number(values.lookups ?? 200);
const SEED = Number(values.seed ?? 1);
const WAIT_MS = 300;
const KEYS = 40;
const HOLDERS = 3;
const random = seededRandom(SEED);

const network = await startDhtNetwork(NODES, { random: random.next });
const { nodes } = network;
const alive = new Set(nodes);
const keys = Array.from({ length: KEYS }, (_, i) => {
  const key = new Uint8Array(20);
  for (let b = 0; b < 20; b++) key[b] = random.int(256);
  const holders = new Set<DhtNode>();
  while (holders.size < HOLDERS) holders.add(random.pick(nodes));
  return { key, holders: [...holders], port: 30_000 + i };
});

/** All holders announce their keys (again): the announcer does every 25 minutes. */
async function announceAll(): Promise<void> {
  await Promise.all(
    keys.flatMap(({ key, holders, port }) =>
      holders.filter((h) => alive.has(h)).map(async (h) => (await h.announce(key, port)).allStored)
    ),
  );
}

/** The node that looks, as a daemon does: one that holds none of the keys and is never killed. */
const holding = new Set(keys.flatMap((k) => k.holders));
const looker = nodes.find((n) => !holding.has(n))!;

/** One lookup by the looker of a random key with a live holder: ms to a live holder. */
async function lookup(): Promise<number | undefined> {
  const live = keys.filter((k) => k.holders.some((h) => alive.has(h)));
  const { key, holders, port } = random.pick(live);
  const livePorts = new Set(holders.filter((h) => alive.has(h)).map((h) => h.local.address));
  const from = looker;
  const started = performance.now();
  const signal = AbortSignal.timeout(5_000);
  try {
    for await (const peer of from.findPeers(key as NodeId, { signal })) {
      if (peer.port === port && livePorts.has(peer.address)) return performance.now() - started;
    }
  } catch { /* the 5 s bound */ }
  return undefined;
}

async function phase(count: number): Promise<{ within: number; p50: number; p95: number }> {
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < count; i++) {
    const ms = await lookup();
    times.push(ms ?? Infinity);
    if (ms !== undefined && ms <= WAIT_MS) hits++;
  }
  return {
    within: hits / count,
    p50: Math.round(percentile(times, 50)),
    p95: Math.round(percentile(times, 95)),
  };
}

const figures: Record<string, unknown> = { nodes: NODES, keys: KEYS, holders: HOLDERS, seed: SEED };
try {
  await announceAll();
  figures.before_kill = await phase(LOOKUPS / 2);
  console.log("no loss, all alive:", figures.before_kill);

  const killed = [...nodes].filter((n) => n !== looker).sort(() => random.next() - 0.5)
    .slice(0, Math.round(NODES * 0.3));
  for (const node of killed) {
    alive.delete(node);
    await node.stop();
  }
  figures.after_kill_first_20 = await phase(20);
  figures.after_kill = await phase(LOOKUPS);
  console.log("30% killed, first 20:", figures.after_kill_first_20, "then:", figures.after_kill);

  for (const loss of [0.2, 0.4]) {
    for (const node of alive) network.sockets[nodes.indexOf(node)].lossRate = loss;
    await announceAll();
    figures[`loss_${loss * 100}`] = await phase(LOOKUPS);
    console.log(`${loss * 100}% loss:`, figures[`loss_${loss * 100}`]);
  }
} finally {
  await network.stop();
}
await writeResults("dht_targets", figures);
