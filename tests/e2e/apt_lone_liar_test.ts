/**
 * Real apt (Acquire::Retries=0) when the only peer that has a package lies
 * consistently: wrong bytes with a piece list that matches them. One peer
 * alone cannot confirm a list, so nothing of its reaches apt before the
 * whole file verified; apt gets the package from the mirror, whole and
 * right, and the liar is not asked again.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { startAptWorld } from "../helpers/apt_world.ts";
import { startFakePeer } from "../helpers/fake_peer.ts";
import { startTestDaemon } from "../helpers/daemon.ts";

Deno.test({
  name: "real apt with Retries=0 gets the right package from the mirror when the only peer lies",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "liar", payloadBytes: 2_400_000 }]);
    await using world = await startAptWorld(repo, 1);
    const [daemon] = world.daemons;
    const deb = repo.debs.get("liar")!;
    const data = await Deno.readFile(`${repo.root}/${repo.archivePath}/${deb.path}`);
    const other = data.slice();
    other.fill(0x42, 1_000_000, 1_001_000); // piece 1 differs, and its own list says so
    await using liar = await startFakePeer("127.0.7.1", data, world.network.nodes[0].local, {
      content: other,
    });
    // The same package with no peers at all: the time apt would take from the mirror alone.
    await using alone = await startTestDaemon({
      dht: { enabled: false },
      trust: { keyrings: [repo.keyring] },
    });
    const roots = [];
    try {
      const timings: Record<string, number> = {};
      for (const [label, through] of [["liar", daemon], ["mirror alone", alone]] as const) {
        const apt = await createAptRoot(world.line(through));
        roots.push(apt);
        assert.equal((await apt.aptGet(["update"])).code, 0);
        const started = performance.now();
        const download = await apt.aptGet(["download", "liar"]);
        timings[label] = Math.round(performance.now() - started);
        assert.equal(download.code, 0, download.output);
        assert.equal(await sha256File(`${apt.downloads}/liar_1.0-1_all.deb`), deb.sha256);
      }
      console.log(`apt-get download, 2.4 MB: ${JSON.stringify(timings)} ms`);
      assert.ok(liar.requests.some((r) => r.range), "the liar was asked for pieces");
      const lines = daemon.logLines.join("\n");
      assert.match(lines, /download\.piece_list .*namedBy=1 parties=1 confirmed=false/);
      assert.match(lines, /download\.hash_mismatch/);
      // Proven wrong: left out of the next download of anything it holds.
      const asked = liar.requests.length;
      await daemon.pipeline.idle();
      await Deno.remove(
        `${daemon.cacheDir}/${world.mirror.authority}/${repo.archivePath}/${deb.path}`,
      );
      const again = await createAptRoot(world.line(daemon));
      roots.push(again);
      assert.equal((await again.aptGet(["update"])).code, 0);
      assert.equal((await again.aptGet(["download", "liar"])).code, 0);
      assert.equal(liar.requests.length, asked, "the liar was not asked again");
    } finally {
      for (const root of roots) await root.cleanup();
      await repo.cleanup();
    }
  },
});
