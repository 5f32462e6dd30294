/**
 * Benchmark: a cold `apt-get update` with the real index, straight from the
 * mirror, through apt-dht and through apt-cacher-ng, in the same run.
 *
 * The mirror is local and signed by a throw-away key; it carries the
 * machine's own largest Packages (`apt-get indextargets`, read with
 * `/usr/lib/apt/apt-helper cat-file`, recompressed with `xz -6` as Debian
 * publishes it; run `apt-get update` first if apt has none). Each round
 * runs real apt-get with empty lists against each of the three, in
 * alternating order; apt-dht and apt-cacher-ng start empty each round
 * (apt-dht warmed up as a daemon that has run a while is: its code
 * compiled by one index of other content, see `warmUp`).
 * Then, for apt-dht:
 *
 * - resident memory idle (started, nothing asked), after the update's
 *   index is ingested and the listing worker ended, and at its peak under 200 concurrent clients;
 * - a cached 53 KB file's latency under `wrk -t1 -c2`, idle and while a
 *   second copy of the real index (one stanza more) ingests.
 *
 * Medians and ratios are printed and written to bench-results/apt_update.json.
 *
 *   deno run -P=test scripts/bench/apt_update.ts [--rounds 5]
 */

import { parseArgs } from "node:util";
import { LISTING_WORKER_IDLE_MS } from "../../src/apt/constants.ts";
import { createAptRoot } from "../../tests/helpers/apt.ts";
import { bytes, sha256, writeFile } from "../../tests/helpers/archive.ts";
import { gpgIn, run } from "../../tests/helpers/debian_repo.ts";
import { MirrorServer } from "../../tests/helpers/mirror_server.ts";
import {
  daemonCommand,
  type DaemonProcess,
  spawnDaemon,
} from "../../tests/helpers/daemon_process.ts";
import { ensureTools, freePort, startAptCacherNg, wrk, type WrkFigures } from "./load.ts";
import { median, processMemory, resetPeakMemory, stopAll, writeResults } from "./results.ts";

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
const ROUNDS = Number(values.rounds ?? 5);
const SUITE = "bookworm";
const SECOND_SUITE = "bookworm-second";
const PACKAGES = `main/binary-amd64/Packages`;
const SMALL = "debian/pool/main/b/bench/small_1_all.deb";
const WAYS = ["mirror", "apt-dht", "apt-cacher-ng"] as const;
type Way = typeof WAYS[number];

/** The machine's largest Packages index as text. */
async function realPackages(): Promise<string> {
  const list = await run("apt-get", [
    "indextargets",
    "--format",
    "$(FILENAME)",
    "Identifier: Packages",
  ]);
  let best: { path: string; size: number } | undefined;
  for (const path of list.split("\n").filter(Boolean)) {
    const size = (await Deno.stat(path).catch(() => undefined))?.size ?? 0;
    if (!best || size > best.size) best = { path, size };
  }
  if (!best) throw new Error("apt has no Packages index: run apt-get update first");
  return await run("/usr/lib/apt/apt-helper", ["cat-file", best.path]);
}

/** The stanza that lists `path` (under the archive) with these bytes. */
function stanza(name: string, path: string, data: Uint8Array): string {
  return `Package: ${name}\nVersion: 1\nArchitecture: all\nFilename: ${path}\n` +
    `Size: ${data.length}\nSHA256: ${sha256(data)}\n\n`;
}

/**
 * A signed mirror with the real Packages (xz) and a small pool file listed
 * in it, as `suite`, and the same with one more stanza as `second` (a
 * second index to ingest while hits are measured); its keyring.
 */
async function buildMirror(root: string, text: string): Promise<string> {
  const small = bytes(53_000, 7);
  await writeFile(root, SMALL, small);
  const listed = stanza("bench-small", SMALL.replace(/^debian\//, ""), small) + text;
  const gnupg = `${root}/.gnupg`;
  await Deno.mkdir(gnupg, { mode: 0o700 });
  const gpg = gpgIn(gnupg);
  await gpg("--quick-generate-key", "bench <bench@invalid>", "ed25519", "sign", "never");
  await gpg("--output", `${root}/keyring.gpg`, "--export", "bench@invalid");
  await publishSuite(root, SUITE, listed, gpg);
  const extra = stanza("bench-second", "pool/main/b/bench/second_1_all.deb", bytes(10, 8));
  await publishSuite(root, SECOND_SUITE, extra + listed, gpg);
  return `${root}/keyring.gpg`;
}

/** Packages.xz (the uncompressed one listed, not served) and a signed InRelease for `suite`. */
async function publishSuite(
  root: string,
  suite: string,
  text: string,
  gpg: (...args: string[]) => Promise<string>,
): Promise<void> {
  const dist = `${root}/debian/dists/${suite}`;
  await Deno.mkdir(`${dist}/main/binary-amd64`, { recursive: true });
  const plain = new TextEncoder().encode(text);
  await Deno.writeFile(`${dist}/${PACKAGES}`, plain);
  await run("xz", ["-6", "-T1", "-k", `${dist}/${PACKAGES}`]);
  const xz = await Deno.readFile(`${dist}/${PACKAGES}.xz`);
  await Deno.remove(`${dist}/${PACKAGES}`); // listed, not served: as Debian's mirrors do
  const release = [
    "Origin: Debian",
    "Label: Debian",
    `Codename: ${suite}`,
    `Date: ${new Date().toUTCString()}`,
    "Architectures: amd64",
    "Components: main",
    "SHA256:",
    ` ${sha256(plain)} ${plain.length} ${PACKAGES}`,
    ` ${sha256(xz)} ${xz.length} ${PACKAGES}.xz`,
    "",
  ].join("\n");
  await Deno.writeTextFile(`${dist}/Release`, release);
  await gpg("--output", `${dist}/InRelease`, "--clearsign", `${dist}/Release`);
}

/** A cold `apt-get update` against `base` (`http://host:port/site`): its wall time in ms. */
async function timedUpdate(base: string, keyring: string): Promise<number> {
  const apt = await createAptRoot(`deb [signed-by=${keyring}] ${base}/debian ${SUITE} main`);
  try {
    const started = performance.now();
    await apt.update();
    return performance.now() - started;
  } finally {
    await apt.cleanup();
  }
}

async function startDaemon(dir: string, keyring: string) {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/bench.toml`, `[trust]\nkeyrings = ["${keyring}"]\n`);
  return await spawnDaemon(
    daemonCommand(dir, { extra: ["--config", `${dir}/bench.toml`, "--no-dht"] }),
  );
}

/**
 * A daemon runs for days: its code is compiled and its listing worker has
 * run before apt comes. The second suite's index (other content) is read
 * through it first, to the end of its ingest; the timed update then starts
 * with an empty cache for its own files.
 */
async function warmUp(daemon: DaemonProcess, mirror: MirrorServer): Promise<void> {
  const site = `http://127.0.0.1:${daemon.port}/${mirror.authority}`;
  for (const path of ["InRelease", `${PACKAGES}.xz`]) {
    await (await fetch(`${site}/debian/dists/${SECOND_SUITE}/${path}`)).arrayBuffer();
  }
  await daemon.until(ingested(SECOND_SUITE), 120_000);
}

/** The log line of the end of the ingest of `suite`'s Packages. */
function ingested(suite: string): RegExp {
  return new RegExp(
    `index\\.ingested[^\\n]*dists/${suite}/main/binary-amd64/Packages[^\\n]*ms=(\\d+)`,
  );
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-update-" });
let mirror: MirrorServer | undefined;
try {
  await ensureTools({ wrk: "wrk", "apt-cacher-ng": "apt-cacher-ng", xz: "xz-utils", gpg: "gnupg" });
  const text = await realPackages();
  const keyring = await buildMirror(`${dir}/mirror`, text);
  // Below 32768: apt-cacher-ng reads the upstream's port into a signed 16-bit number.
  mirror = await MirrorServer.start(`${dir}/mirror`, "127.0.0.1", freePort(32768));
  const stanzas = text.split("\n\n").filter((s) => s.trim()).length;
  console.log(`index: ${stanzas} stanzas, ${(text.length / 1e6).toFixed(1)} MB uncompressed`);

  const times = Object.fromEntries(WAYS.map((w) => [w, [] as number[]])) as Record<Way, number[]>;
  const memory = { idle: [] as number[], ingested: [] as number[], ingest_ms: [] as number[] };
  const acngMemory: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...WAYS].reverse() : [...WAYS];
    for (const way of order) {
      const at = `${dir}/round-${round}-${way}`;
      if (way === "mirror") {
        times.mirror.push(await timedUpdate(mirror.base, keyring));
      } else if (way === "apt-dht") {
        await using daemon = await startDaemon(at, keyring);
        await settle(2000);
        memory.idle.push((await processMemory(daemon.child.pid)).rss_mb);
        await warmUp(daemon, mirror);
        times["apt-dht"].push(
          await timedUpdate(`http://127.0.0.1:${daemon.port}/${mirror.authority}`, keyring),
        );
        await daemon.until(ingested(SUITE), 120_000);
        memory.ingest_ms.push(Number(ingested(SUITE).exec(daemon.log())![1]));
        await settle(LISTING_WORKER_IDLE_MS + 1000); // the listing worker has ended
        memory.ingested.push((await processMemory(daemon.child.pid)).rss_mb);
      } else {
        const port = freePort(32768);
        const acng = await startAptCacherNg(at, port);
        try {
          times["apt-cacher-ng"].push(
            await timedUpdate(`http://127.0.0.1:${port}/${mirror.authority}`, keyring),
          );
          acngMemory.push((await processMemory(acng.pid)).rss_mb);
        } finally {
          await stopAll([acng]);
        }
      }
    }
  }

  // A cached hit's latency, idle and while the real index ingests, then 200 clients at once.
  const hits = { idle: [] as WrkFigures[], ingesting: [] as WrkFigures[], ingest_done: 0 };
  let peakUnder200 = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await using daemon = await startDaemon(`${dir}/hits-${round}`, keyring);
    const site = `http://127.0.0.1:${daemon.port}/${mirror.authority}`;
    const get = async (path: string) => await (await fetch(`${site}/${path}`)).arrayBuffer();
    const ingest = async (suite: string) => {
      await get(`debian/dists/${suite}/InRelease`);
      await get(`debian/dists/${suite}/${PACKAGES}.xz`);
    };
    // The small file is listed, and cached with its hash known, before the second index comes.
    await ingest(SUITE);
    await daemon.until(ingested(SUITE), 120_000);
    for (let i = 0; i < 2; i++) await get(SMALL);
    const load = { connections: 2, seconds: 3, threads: 1 };
    hits.idle.push(await wrk(`${site}/${SMALL}`, load));
    await ingest(SECOND_SUITE);
    // A pool file no index lists yet: its lookup has the ingest start now, not after the burst.
    const early = fetch(`${site}/debian/pool/main/n/none/none_1_all.deb`).then((r) =>
      r.body?.cancel()
    );
    hits.ingesting.push(await wrk(`${site}/${SMALL}`, load));
    await early;
    if (ingested(SECOND_SUITE).test(daemon.log())) hits.ingest_done++; // ended within the load
    await daemon.until(ingested(SECOND_SUITE), 120_000);
    if (round === ROUNDS - 1) {
      await new Promise((r) => setTimeout(r, LISTING_WORKER_IDLE_MS + 1000)); // the worker ended
      await resetPeakMemory(daemon.child.pid); // the ingests' peak is not the clients'
      await wrk(`${site}/${SMALL}`, { connections: 200, seconds: 5 });
      peakUnder200 = (await processMemory(daemon.child.pid)).peak_mb;
    }
  }

  const ms = (values: number[]) => Math.round(median(values));
  const update = Object.fromEntries(WAYS.map((w) => [w, ms(times[w])])) as Record<Way, number>;
  const p99 = (runs: WrkFigures[]) => +median(runs.map((r) => r.p99_ms)).toFixed(2);
  const figures = {
    index: { stanzas, uncompressed_bytes: text.length },
    update_ms: update,
    update_runs_ms: Object.fromEntries(WAYS.map((w) => [w, times[w].map(Math.round)])),
    ratio_to_mirror: {
      "apt-dht": +(update["apt-dht"] / update.mirror).toFixed(2),
      "apt-cacher-ng": +(update["apt-cacher-ng"] / update.mirror).toFixed(2),
    },
    apt_dht_ingest_ms: ms(memory.ingest_ms),
    apt_dht_rss_mb: {
      idle: median(memory.idle),
      after_ingest: median(memory.ingested),
      peak_under_200_clients: peakUnder200,
    },
    apt_cacher_ng_rss_mb_after_update: median(acngMemory),
    hit_p99_ms: {
      idle: p99(hits.idle),
      during_ingest: p99(hits.ingesting),
      ratio: +(p99(hits.ingesting) / p99(hits.idle)).toFixed(2),
      runs_during_ingest_that_saw_it_end: hits.ingest_done,
    },
    targets: {
      update_ratio: 1.1,
      hit_p99_ratio: 2,
      rss_mb: { idle: 60, after_ingest: 90, under_200: 150 },
    },
  };
  console.log(
    `cold apt-get update (median of ${ROUNDS}): mirror ${update.mirror} ms, apt-dht ${
      update["apt-dht"]
    } ms (${figures.ratio_to_mirror["apt-dht"]}×), apt-cacher-ng ${update["apt-cacher-ng"]} ms (${
      figures.ratio_to_mirror["apt-cacher-ng"]
    }×); apt-dht's ingest ${figures.apt_dht_ingest_ms} ms`,
  );
  console.log(
    `apt-dht memory: ${figures.apt_dht_rss_mb.idle} MB idle, ${figures.apt_dht_rss_mb.after_ingest} MB after the ingest, peak ${peakUnder200} MB under 200 clients (apt-cacher-ng after the update: ${figures.apt_cacher_ng_rss_mb_after_update} MB)`,
  );
  console.log(
    `53 KB hit p99 (wrk -t1 -c2): idle ${figures.hit_p99_ms.idle} ms, during the ingest ${figures.hit_p99_ms.during_ingest} ms (${figures.hit_p99_ms.ratio}×)`,
  );
  await writeResults("apt_update", figures);
} finally {
  await mirror?.stop();
  await Deno.remove(dir, { recursive: true });
}
