/**
 * The DHT at scale, simulated: the real node code (routing table, lookups,
 * announces, tokens, rate limits) on a simulated network with a virtual
 * clock, round trips of 20–200 ms, loss, churn and nodes behind NAT. Runs
 * each size in turn, prints the figures and writes bench-results/dht_sim.json.
 *
 *   deno task dht-sim [--nodes N] [--lookups 200] [--seed 1]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { writeResults } from "../bench/results.ts";
import { seededRandom } from "../../tests/helpers/seeded_random.ts";
import { runScenario } from "./scenario.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    nodes: { type: "string" },
    lookups: { type: "string" },
    seed: { type: "string" },
  },
});
const SIZES = values.nodes ? [Number(values.nodes)] : [1000, 2000, 5000, 10_000];
const SEED = Number(values.seed ?? 1);

const runs: Record<string, unknown>[] = [];
for (const nodes of SIZES) {
  console.log(`${nodes} nodes (seed ${SEED}):`);
  runs.push(
    await runScenario({
      nodes,
      losses: [0, 0.05, 0.2],
      lookups: Number(values.lookups ?? 200),
      keys: 100,
      holdersPerKey: 3,
      popularHolders: 40,
      natShare: 0.3,
      // Mainline DHT measurements put median sessions between tens of minutes and a few hours.
      medianSessionMs: 60 * 60_000,
      random: seededRandom(SEED * 7919 + nodes).next,
      log: (line) => console.log(line),
    }),
  );
}
await writeResults("dht_sim", { seed: SEED, runs });
