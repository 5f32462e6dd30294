/**
 * Benchmark: a fleet upgrading at once. N daemons (N = 2, 5, 10, 20) ask
 * for the same package within 100 ms through a mirror limited to a few
 * MB/s for all its clients together: how many times the mirror sent the
 * file, and how long each daemon took, with downloads in progress shared
 * (`peers.share_downloads`, the default) and without (today's behaviour
 * before it: only complete files are shared), in the same run; the
 * reference is one daemon alone from the same mirror. Prints a table and
 * writes bench-results/fleet.json.
 *
 *   deno run -P=test scripts/bench/fleet.ts [--sizes 2,5,10,20] [--mib 8] [--rate-mib 4]
 *
 * The daemons run in this one process (as in the tests): above ten, the
 * relaying itself competes for one core, which the figures include.
 */

import { parseArgs } from "node:util";
import type { TestDaemon } from "../../tests/helpers/daemon.ts";
import { type FleetWorld, startFleetWorld, timedGet } from "../../tests/helpers/fleet_world.ts";
import { median, writeResults } from "./results.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string" },
    mib: { type: "string" },
    "rate-mib": { type: "string" },
  },
});
const SIZES = (values.sizes ?? "2,5,10,20").split(",").map(Number);
const MIB = 1024 * 1024;
const PAYLOAD = Number(values.mib ?? 8) * MIB;
const RATE = Number(values["rate-mib"] ?? 4) * MIB;
const MODES = [
  { name: "shared while downloading", share: true },
  { name: "complete files only", share: false },
] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const packages = [{ name: "alone", payloadBytes: PAYLOAD }];
for (const mode of MODES) {
  for (const n of SIZES) packages.push({ name: nameOf(mode.share, n), payloadBytes: PAYLOAD });
}
console.log(`building ${packages.length} packages of ${PAYLOAD / MIB} MiB…`);
await using world = await startFleetWorld(packages, RATE);
const size = world.repo.debs.get("alone")!.size;

interface Row {
  mode: string;
  daemons: number;
  mirror_times_file: number;
  median_ms: number;
  max_ms: number;
  max_vs_alone: number;
  all_right: boolean;
}
const rows: Row[] = [];
let aloneMs = 0;

for (const mode of MODES) {
  const most = Math.max(...SIZES);
  const daemons: TestDaemon[] = [];
  for (let i = 0; i < most; i++) {
    daemons.push(await world.daemon({ peers: { share_downloads: mode.share } }));
  }
  if (!aloneMs) {
    const alone = await timedGet(daemons[0].base, world, "alone");
    if (!alone.right) throw new Error("the daemon alone did not get the file");
    aloneMs = alone.ms;
    console.log(`one daemon alone: ${Math.round(aloneMs)} ms`);
  }
  for (const n of SIZES) {
    const row = await round(world, daemons.slice(0, n), nameOf(mode.share, n));
    rows.push({ mode: mode.name, daemons: n, ...row, max_vs_alone: row.max_ms / aloneMs });
    console.log(
      `${mode.name.padEnd(25)} N=${String(n).padStart(2)}: mirror ${
        row.mirror_times_file.toFixed(2)
      }× the file, median ${row.median_ms} ms, slowest ${row.max_ms} ms (${
        (row.max_ms / aloneMs).toFixed(2)
      }× alone)${row.all_right ? "" : " — SOME GOT A WRONG FILE"}`,
    );
  }
  for (const daemon of daemons) await daemon.stop();
}

console.log(
  `\n| daemons | mirror sent (shared) | mirror sent (complete only) | slowest, shared | slowest, complete only |`,
);
console.log(`|---|---|---|---|---|`);
for (const n of SIZES) {
  const [on, off] = MODES.map((m) => rows.find((r) => r.mode === m.name && r.daemons === n)!);
  console.log(
    `| ${n} | ${on.mirror_times_file.toFixed(2)}× | ${off.mirror_times_file.toFixed(2)}× | ${
      on.max_vs_alone.toFixed(2)
    }× alone | ${off.max_vs_alone.toFixed(2)}× alone |`,
  );
}
await writeResults("fleet", {
  payload_bytes: size,
  mirror_rate_bytes_per_second: RATE,
  alone_ms: Math.round(aloneMs),
  rows,
});

function nameOf(share: boolean, n: number): string {
  return `fleet-${share ? "shared" : "complete"}-${n}`;
}

/** N daemons ask for `name` within 100 ms; the mirror's bytes for it and their times. */
async function round(world: FleetWorld, daemons: TestDaemon[], name: string) {
  const spread = 100 / Math.max(1, daemons.length - 1);
  const results = await Promise.all(daemons.map(async (daemon, i) => {
    await sleep(i * spread);
    return await timedGet(daemon.base, world, name);
  }));
  const times = results.map((r) => Math.round(r.ms));
  return {
    mirror_times_file: world.mirror.sentFor(world.pathOf(name)) / size,
    median_ms: Math.round(median(times)),
    max_ms: Math.max(...times),
    all_right: results.every((r) => r.right),
  };
}
