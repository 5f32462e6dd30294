/**
 * A stranger on the LAN floods the BEP 14 group with 10,000 malformed and
 * well-formed-but-false announces in 10 s: the daemons go on serving apt,
 * their memory stays bounded, and nothing of the stranger's enters their
 * routing tables or LAN lists.
 */

import assert from "node:assert/strict";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { lanSkipReason } from "../helpers/lan_namespaces.ts";
import { eventually, startLanWorld } from "../helpers/lan_world.ts";

const skip = lanSkipReason();
if (skip) console.log(`LAN tests skipped: ${skip}`);
const FLOODER = new URL("../helpers/lan_flooder.ts", import.meta.url).pathname;
const SEED = 30;

/** Resident memory of a process, in MB (from ps: /proc needs more than the tests' permissions). */
async function rssMb(pid: number): Promise<number> {
  const ps = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(ps.stdout).trim()) / 1024;
}

Deno.test({
  name:
    `10,000 hostile announces in 10 s (seed ${SEED}) leave the daemons serving apt, bounded, and their tables clean`,
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "papa", payloadBytes: 300_000 }]);
    try {
      // Hosts: two daemons, the stranger, then the mirror.
      await using world = await startLanWorld(repo, 3);
      const [hostA, hostB, stranger] = world.hosts;
      const toml = "[dht]\nlan_discovery = true\n";
      const a = await world.startDaemon(hostA, toml);
      const b = await world.startDaemon(hostB, toml);
      await eventually(
        async () => (await a.stats()).lan.discovery!.nodes.length === 1,
        10_000,
        () => "a finds b",
      );
      const before = await rssMb(a.process.child.pid);

      const flood = world.lan.spawn(stranger, Deno.execPath(), [
        "run",
        "--quiet",
        "-P=test",
        FLOODER,
        stranger.address,
        "10000",
        "10",
        String(SEED),
      ]);
      // apt through a daemon while the flood lasts.
      const apt = await createAptRoot(world.line, { prefix: b.host.exec });
      const aptStarted = Date.now();
      try {
        await apt.update();
        const download = await apt.aptGet(["download", "papa"]);
        assert.equal(download.code, 0, download.output);
        assert.equal(
          await sha256File(`${apt.downloads}/papa_1.0-1_all.deb`),
          repo.debs.get("papa")!.sha256,
        );
      } finally {
        await apt.cleanup();
      }
      const aptMs = Date.now() - aptStarted;
      await flood.until(/"sent":10000/, 30_000);
      const peak = await rssMb(a.process.child.pid);

      for (const daemon of [a, b]) {
        const stats = await daemon.stats();
        const lan = stats.lan.discovery!;
        assert.deepEqual(
          lan.nodes.map((n: { address: string }) => n.address),
          [daemon === a ? hostB.address : hostA.address],
          "only the other daemon is a LAN node",
        );
        assert.equal(stats.dht!.nodes, 1, "only the other daemon is in the routing table");
        assert.ok(lan.counters.dropped_rate > 5_000, JSON.stringify(lan.counters));
        assert.ok((lan.counters.unanswered ?? 0) <= 200, JSON.stringify(lan.counters));
        assert.equal(stats.event_loop!.stalls_over_1s, 0);
        console.log(`${daemon.host.address}: ${JSON.stringify(lan.counters)}`);
      }
      console.log(
        `apt update + download during the flood: ${aptMs} ms; a's memory ${before.toFixed(0)} MB ` +
          `before, ${peak.toFixed(0)} MB after`,
      );
      assert.ok(peak - before < 40, `memory grew ${(peak - before).toFixed(0)} MB`);
    } finally {
      await repo.cleanup();
    }
  },
});
