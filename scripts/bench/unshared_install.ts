/**
 * Benchmark: what a file nobody shares costs. Real `apt-get install` of 20
 * packages (dpkg into a root of its own), straight from a local signed
 * mirror, through a fresh apt-dht without a DHT (the proxy's own cost),
 * and through a fresh apt-dht whose DHT is 50 nodes that answer 50 ms late
 * (every datagram they send is held that long, in user space: no netem
 * here) and hold none of the files. Each round installs 20 packages no
 * earlier round fetched, in a rotated order; the daemon starts with an
 * empty cache and apt's `apt-get update` goes through it first.
 *
 * Prints medians and the cost per package over the mirror alone, and writes
 * bench-results/unshared_install.json.
 *
 *   deno run -P=test scripts/bench/unshared_install.ts [--rounds 3] [--nodes 50] [--delay 50]
 */

import { parseArgs } from "node:util";
import { createAptRoot } from "../../tests/helpers/apt.ts";
import { buildDebianRepo } from "../../tests/helpers/debian_repo.ts";
import {
  daemonCommand,
  type DaemonProcess,
  spawnDaemon,
} from "../../tests/helpers/daemon_process.ts";
import { startDhtNetwork } from "../../tests/helpers/dht_network.ts";
import { MirrorServer } from "../../tests/helpers/mirror_server.ts";
import { median, writeResults } from "./results.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string" }, nodes: { type: "string" }, delay: { type: "string" } },
});
const ROUNDS = Number(values.rounds ?? 3);
const NODES = Number(values.nodes ?? 50);
const DELAY_MS = Number(values.delay ?? 50);
/** 20 packages per round, each round its own: files an earlier round cached are announced. */
const setOf = (round: number) =>
  Array.from({ length: 20 }, (_, i) => ({
    name: `unshared${round}x${String(i).padStart(2, "0")}`,
    payloadBytes: 20_000 + i * 10_000,
  }));
const PACKAGES = Array.from({ length: ROUNDS }, (_, round) => setOf(round)).flat();
const WAYS = ["mirror", "apt-dht without DHT", "apt-dht"] as const;
type Way = typeof WAYS[number];

console.log(`building ${PACKAGES.length} packages, starting ${NODES} DHT nodes…`);
const repo = await buildDebianRepo(PACKAGES);
const mirror = await MirrorServer.start(repo.root);
const network = await startDhtNetwork(NODES);
network.setDelay(DELAY_MS);
const bootstrap = `${network.nodes[0].local.address}:${network.nodes[0].local.port}`;

/** One install of `names` against `base`: update (untimed) then install (timed, ms). */
async function install(
  base: string,
  names: string[],
): Promise<{ updateMs: number; installMs: number }> {
  const apt = await createAptRoot(repo.sourceLine(base));
  try {
    let started = performance.now();
    await apt.update();
    const updateMs = performance.now() - started;
    started = performance.now();
    await apt.install(names);
    return { updateMs, installMs: performance.now() - started };
  } finally {
    await apt.cleanup();
  }
}

async function startDaemon(dir: string, dht: boolean): Promise<DaemonProcess> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/bench.toml`,
    `[trust]\nkeyrings = ["${repo.keyring}"]\n[dht]\nbootstrap = ["${bootstrap}"]\n`,
  );
  const extra = ["--config", `${dir}/bench.toml`, ...(dht ? [] : ["--no-dht"])];
  const daemon = await spawnDaemon(daemonCommand(dir, { extra }));
  if (dht) await daemon.until(/dht\.joined/, 30_000);
  return daemon;
}

const times = new Map<Way, number[]>(WAYS.map((way) => [way, []]));
const finds: unknown[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const names = setOf(round).map((p) => p.name);
    // Rotated each round: no way always goes first (a warm page cache, a mirror's first answer).
    const order = WAYS.map((_, i) => WAYS[(i + round) % WAYS.length]);
    for (const way of order) {
      if (way === "mirror") {
        const { installMs } = await install(`http://127.0.0.1:${mirror.port}`, names);
        times.get(way)!.push(installMs);
        console.log(`round ${round + 1} ${way}: install ${installMs.toFixed(0)} ms`);
        continue;
      }
      const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-unshared-" });
      const daemon = await startDaemon(dir, way === "apt-dht");
      try {
        const { installMs } = await install(
          `http://127.0.0.1:${daemon.port}/${mirror.authority}`,
          names,
        );
        times.get(way)!.push(installMs);
        const stats = await (await fetch(`http://127.0.0.1:${daemon.port}/stats.json`)).json();
        if (way === "apt-dht") finds.push({ nodes: stats.dht?.nodes, ...stats.dht?.finds });
        console.log(
          `round ${round + 1} ${way}: install ${installMs.toFixed(0)} ms` +
            (way === "apt-dht"
              ? `, DHT nodes known ${stats.dht?.nodes}, finds ${JSON.stringify(stats.dht?.finds)}`
              : ""),
        );
      } finally {
        await daemon.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  }
} finally {
  await network.stop();
  await mirror.stop();
  await repo.cleanup();
}

const medianOf = (way: Way) => median(times.get(way)!);
const perPackage = (way: Way) => Math.round((medianOf(way) - medianOf("mirror")) / 20);
const figures = {
  packages_per_install: 20,
  rounds: ROUNDS,
  dht_nodes: NODES,
  added_delay_ms: DELAY_MS,
  install_ms: Object.fromEntries(WAYS.map((way) => [way, times.get(way)!.map(Math.round)])),
  median_ms: Object.fromEntries(WAYS.map((way) => [way, Math.round(medianOf(way))])),
  extra_per_package_ms: {
    proxy: perPackage("apt-dht without DHT"),
    proxy_and_dht: perPackage("apt-dht"),
  },
  finds,
};
for (const way of WAYS) {
  console.log(
    `${way.padEnd(20)} median ${Math.round(medianOf(way))} ms (×${
      (medianOf(way) / medianOf("mirror")).toFixed(2)
    } the mirror, ${perPackage(way)} ms more per package)`,
  );
}
await writeResults("unshared_install", figures);
