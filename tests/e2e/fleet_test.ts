/**
 * A fleet upgrading at once: daemons that ask for the same large file at
 * nearly the same moment decide among themselves who fetches it from the
 * mirror, and the others follow that download while it is in progress. The
 * mirror (4 MB/s for all its clients together) sends the file about once,
 * and nobody waits longer than one daemon alone would; when the daemon that
 * fetches is killed half-way, another takes over from where it got to.
 */

import assert from "node:assert/strict";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { daemonCommand, spawnDaemon } from "../helpers/daemon_process.ts";
import { startFleetWorld, timedGet } from "../helpers/fleet_world.ts";
import { readIndexes } from "../helpers/peer_world.ts";

const MB = 1024 * 1024;
const PAYLOAD = 20 * MB;
const RATE = 4 * MB;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test({
  name:
    "five daemons asking for one 20 MB file within 100 ms: the mirror sends it once, none waits longer",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using world = await startFleetWorld([
      { name: "solo", payloadBytes: PAYLOAD },
      { name: "aptsolo", payloadBytes: PAYLOAD },
      { name: "fleet", payloadBytes: PAYLOAD },
    ], RATE);
    const daemons = [];
    for (let i = 0; i < 5; i++) daemons.push(await world.daemon());
    // The reference, in the same run: one daemon alone, from the same mirror.
    const alone = await timedGet(daemons[0].base, world, "solo");
    assert.ok(alone.right, "the daemon alone got the file");
    // Real apt through one of them.
    const apt = await createAptRoot(
      world.repo.sourceLine(`http://127.0.0.1:${daemons[2].port}/${world.mirror.authority}`),
    );
    /** apt-get download of `name` through daemon 2: its time, and whether the file is right. */
    const aptDownload = async (name: string) => {
      const started = performance.now();
      const download = await apt.aptGet(["download", name]);
      assert.equal(download.code, 0, download.output);
      const right = await sha256File(`${apt.downloads}/${name}_1.0-1_all.deb`) ===
        world.repo.debs.get(name)!.sha256;
      return { ms: performance.now() - started, status: 200, right, source: "apt" };
    };
    try {
      await apt.update();
      // apt's own reference, alone through the same daemon: apt-get's start and its writes are
      // in its times, not in a bare fetch's.
      const aptAlone = await aptDownload("aptsolo");
      assert.ok(aptAlone.right, "apt alone got the file");
      const size = world.repo.debs.get("fleet")!.size;
      const results = await Promise.all(daemons.map(async (daemon, i) => {
        await sleep(i * 25); // all within 100 ms
        return i === 2 ? await aptDownload("fleet") : await timedGet(daemon.base, world, "fleet");
      }));
      const sent = world.mirror.sentFor(world.pathOf("fleet"));
      const times = results.map((r) => Math.round(r.ms));
      console.log(
        `alone ${Math.round(alone.ms)} ms, apt alone ${Math.round(aptAlone.ms)} ms; ` +
          `fleet of 5 (apt third): ${times.join(", ")} ms; ` +
          `mirror sent ${(sent / size).toFixed(2)}× the file`,
      );
      results.forEach((result, i) => assert.ok(result.right, `daemon ${i} got the right file`));
      assert.ok(sent <= 1.5 * size, `mirror sent ${sent} bytes for a file of ${size}`);
      times.forEach((ms, i) => {
        const reference = i === 2 ? aptAlone.ms : alone.ms;
        assert.ok(ms <= 1.2 * reference, `${ms} ms against ${Math.round(reference)} ms alone`);
      });
      let growing = 0;
      for (const daemon of daemons) {
        const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
        growing += stats.uploaded_growing;
      }
      assert.ok(growing >= size, `${growing} bytes went to peers from downloads in progress`);
    } finally {
      await apt.cleanup();
    }
  },
});

Deno.test({
  name:
    "the daemon fetching for the fleet killed half-way: all still get the file, the mirror sends at most 2.5×",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using world = await startFleetWorld([{ name: "fleet", payloadBytes: PAYLOAD }], RATE);
    const size = world.repo.debs.get("fleet")!.size;
    const dir = await Deno.makeTempDir({ prefix: "apt-dht-fleet-first-" });
    await using first = await spawnDaemon(daemonCommand(dir, {
      extra: ["--config", world.trustConfig, "--bootstrap", world.bootstrap[0]],
    }));
    const firstBase = `http://127.0.0.1:${first.port}`;
    for (const path of ["InRelease", "main/binary-amd64/Packages"]) {
      const response = await fetch(`${firstBase}/${world.archive}/dists/stable/${path}`);
      await response.body?.cancel();
    }
    await first.until(/index\.ingested.*binary-amd64\/Packages/);
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await world.daemon());
    await Promise.all(others.map((d) => readIndexes(d, world.archive)));

    const fetching = timedGet(firstBase, world, "fleet");
    await sleep(100);
    const results = Promise.all(others.map(async (daemon, i) => {
      await sleep(i * 25);
      return await timedGet(daemon.base, world, "fleet");
    }));
    // Half-way through, the first is killed (SIGKILL: no goodbye, connections just drop).
    const deadline = Date.now() + 30_000;
    while (world.mirror.sentFor(world.pathOf("fleet")) < size / 2 && Date.now() < deadline) {
      await sleep(20);
    }
    first.child.kill("SIGKILL");
    await fetching; // cut off with it
    const got = await results;
    const sent = world.mirror.sentFor(world.pathOf("fleet"));
    console.log(
      `after the kill: ${got.map((r) => Math.round(r.ms)).join(", ")} ms; ` +
        `mirror sent ${(sent / size).toFixed(2)}× the file`,
    );
    got.forEach((result, i) => assert.ok(result.right, `daemon ${i} got the right file`));
    const takeovers = others.flatMap((d) => d.logLines)
      .filter((line) => /download\.fleet_source.*role=lead.*from=[1-9]/.test(line));
    console.log(takeovers.join("\n"));
    assert.ok(takeovers.length >= 1, "another daemon went on from the mirror where it got to");
    assert.ok(sent <= 2.5 * size, `mirror sent ${sent} bytes for a file of ${size}`);
    await Deno.remove(dir, { recursive: true });
  },
});
