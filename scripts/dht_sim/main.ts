/**
 * The DHT at scale, simulated: the real node code (routing table, lookups,
 * announces, tokens, rate limits) on a simulated network with a virtual
 * clock, round trips of 20–200 ms, loss, churn and nodes behind NAT. Runs
 * each size in turn, prints the figures and writes bench-results/dht_sim.json.
 *
 *   deno task dht-sim [--nodes N] [--lookups 200] [--seed 1]
 *
 * With `--announce-files N` it runs instead a daemon holding N files in a
 * network of `--nodes` (1,000) at 20 % loss for 65 simulated minutes, and
 * writes bench-results/dht_sim_announce.json.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { writeResults } from "../bench/results.ts";
import { seededRandom } from "../../tests/helpers/seeded_random.ts";
import { runAnnounceLoad } from "./announce_load.ts";
import { runScenario } from "./scenario.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    nodes: { type: "string" },
    lookups: { type: "string" },
    seed: { type: "string" },
    "announce-files": { type: "string" },
  },
});
const SIZES = values.nodes ? [Number(values.nodes)] : [1000, 2000, 5000, 10_000];
const SEED = Number(values.seed ?? 1);

if (values["announce-files"]) {
  const nodes = Number(values.nodes ?? 1000);
  const files = Number(values["announce-files"]);
  console.log(
    `a daemon announcing ${files} files among ${nodes} nodes at 20% loss (seed ${SEED}):`,
  );
  const figures = await runAnnounceLoad({
    nodes,
    files,
    loss: 0.2,
    minutes: 65,
    random: seededRandom(SEED * 104_729 + files).next,
    log: (line) => console.log(line),
  });
  const { samples: _, ...summary } = figures;
  console.log(summary);
  await writeResults("dht_sim_announce", { seed: SEED, ...figures });
  Deno.exit(0);
}

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
// How each figure grows with size: one row per size and loss.
console.log(
  "\nnodes  loss  within 0.3 s  within 2 s  first peer p50/p95 ms  hops  messages  coverage  B/node/h",
);
for (const run of runs) {
  for (const phase of run.phases as Record<string, number>[]) {
    console.log(
      [
        String(run.nodes).padStart(5),
        `${phase.loss * 100}%`.padStart(5),
        phase.within_300ms.toFixed(3).padStart(13),
        phase.within_2s.toFixed(3).padStart(11),
        `${phase.first_peer_p50_ms}/${phase.first_peer_p95_ms}`.padStart(22),
        phase.hops_mean.toFixed(1).padStart(5),
        phase.messages_mean.toFixed(1).padStart(9),
        phase.coverage.toFixed(3).padStart(9),
        String(run.bytes_per_node_hour).padStart(9),
      ].join(" "),
    );
  }
}
await writeResults("dht_sim", { seed: SEED, runs });
