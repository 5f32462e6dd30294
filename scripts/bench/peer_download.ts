/**
 * Benchmark: a 20 MiB package held by 1, 2 and 4 peers, each limited to the
 * same upload rate, fetched through a fresh daemon (the mirror refuses the
 * package meanwhile, so only peers serve it); the speed-up over one peer
 * (target: at least 3x with 4). And the time to first byte of a 50 KB
 * package via a peer versus via the mirror, on loopback. Prints a table and
 * writes bench-results/peer_download.json.
 *
 *   deno run -P=test scripts/bench/peer_download.ts [--rate-mib 4]
 */

import { parseArgs } from "node:util";
import { buildArchive, bytes } from "../../tests/helpers/archive.ts";
import { startTestDaemon, type TestDaemon } from "../../tests/helpers/daemon.ts";
import { startDhtNetwork } from "../../tests/helpers/dht_network.ts";
import { MirrorServer } from "../../tests/helpers/mirror_server.ts";
import { testSigner } from "../../tests/helpers/signing.ts";
import { median, writeResults } from "./results.ts";

const { values } = parseArgs({ args: Deno.args, options: { "rate-mib": { type: "string" } } });
const RATE = Number(values["rate-mib"] ?? 4) * 1024 * 1024;
const BIG = "pool/main/b/big/big_1.0_amd64.deb";
const SMALL = "pool/main/s/small/small_1.0_amd64.deb";

const root = await Deno.makeTempDir({ prefix: "apt-dht-bench-" });
const signer = await testSigner();
await buildArchive(root, {
  "big_1.0_amd64.deb": bytes(20 * 1024 * 1024, 1),
  "small_1.0_amd64.deb": bytes(50_000, 2),
}, { signer });
const trust = { keyrings: [signer.keyring] };
const mirror = await MirrorServer.start(root);
const archive = `${mirror.authority}/debian`;
const network = await startDhtNetwork(8);
const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
const running: TestDaemon[] = [];

async function fetchAll(daemon: TestDaemon, paths: string[]) {
  for (const path of paths) {
    const response = await fetch(`${daemon.base}/${archive}/${path}`);
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    await response.arrayBuffer();
    await daemon.pipeline.idle();
    await daemon.index.settled();
  }
}

const INDEXES = ["dists/stable/InRelease", "dists/stable/main/binary-amd64/Packages"];

/** A seed: filled from the mirror with its DHT off, then restarted to join and announce, rate-limited. */
async function seed(): Promise<TestDaemon> {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-seed-" });
  const filling = await startTestDaemon({ dht: { enabled: false }, trust }, dir);
  await fetchAll(filling, [...INDEXES, BIG, SMALL]);
  await filling.stop();
  const daemon = await startTestDaemon(
    { dht: { bootstrap }, peers: { upload_limit: RATE }, trust },
    dir,
  );
  running.push(daemon);
  const deadline = Date.now() + 20_000;
  while ((daemon.announcer?.announced ?? 0) < 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  console.error(
    `seed ${running.length} ready in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s, announced ${daemon.announcer?.announced}`,
  );
  return daemon;
}

/** Time for a fresh daemon to get the big package, and where it came from. */
async function fetchBig(): Promise<{ seconds: number; source: string | null }> {
  const fresh = await startTestDaemon({ dht: { bootstrap }, trust });
  try {
    await fetchAll(fresh, INDEXES);
    const started = performance.now();
    const response = await fetch(`${fresh.base}/${archive}/${BIG}`);
    const source = response.headers.get("x-apt-dht-source");
    const body = await response.arrayBuffer();
    if (body.byteLength !== 20 * 1024 * 1024) throw new Error("short body");
    return { seconds: (performance.now() - started) / 1000, source };
  } finally {
    await fresh[Symbol.asyncDispose]();
  }
}

/** Time to the first byte of the small package through a fresh daemon. */
async function firstByte(dht: boolean): Promise<number> {
  const fresh = await startTestDaemon(
    dht ? { dht: { bootstrap }, trust } : { dht: { enabled: false }, trust },
  );
  try {
    await fetchAll(fresh, INDEXES);
    const started = performance.now();
    const response = await fetch(`${fresh.base}/${archive}/${SMALL}`);
    const reader = response.body!.getReader();
    await reader.read();
    const ms = performance.now() - started;
    while (!(await reader.read()).done);
    if (dht && response.headers.get("x-apt-dht-source") !== "peer") {
      throw new Error("not from a peer");
    }
    return ms;
  } finally {
    await fresh[Symbol.asyncDispose]();
  }
}

try {
  const times: Record<number, number> = {};
  for (const peers of [1, 2, 4]) {
    while (running.length < peers) await seed();
    mirror.faults.set(`/debian/${BIG}`, { kind: "status", status: 404 }); // peers only
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await fetchBig());
    mirror.faults.delete(`/debian/${BIG}`);
    if (runs.some((r) => r.source !== "peer")) {
      throw new Error("the big package did not come from peers");
    }
    times[peers] = median(runs.map((r) => r.seconds));
    console.log(
      `20 MiB from ${peers} peer(s) at ${RATE / 1048576} MiB/s each: median ${
        times[peers].toFixed(2)
      } s (speed-up ${(times[1] / times[peers]).toFixed(2)}x)`,
    );
  }
  const viaPeer = median([await firstByte(true), await firstByte(true), await firstByte(true)]);
  const viaMirror = median([
    await firstByte(false),
    await firstByte(false),
    await firstByte(false),
  ]);
  console.log(
    `50 KB time to first byte: via a peer ${viaPeer.toFixed(1)} ms, via the mirror ${
      viaMirror.toFixed(1)
    } ms`,
  );
  const speedup4 = times[1] / times[4];
  console.log(
    `target (>= 3x with 4 peers): ${speedup4 >= 3 ? "met" : "NOT met"} (${speedup4.toFixed(2)}x)`,
  );
  await writeResults("peer_download", {
    file_bytes: 20 * 1024 * 1024,
    upload_limit_bytes_per_second: RATE,
    median_seconds: times,
    speedup_2: +(times[1] / times[2]).toFixed(2),
    speedup_4: +speedup4.toFixed(2),
    ttfb_50kb_ms: { via_peer: +viaPeer.toFixed(1), via_mirror: +viaMirror.toFixed(1) },
    target_speedup_4: 3,
  });
} finally {
  for (const daemon of running) await daemon[Symbol.asyncDispose]();
  await network.stop();
  await mirror.stop();
  await Deno.remove(root, { recursive: true });
}
