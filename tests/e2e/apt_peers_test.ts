/**
 * Real apt-get through two daemons in one private DHT: what apt fetched
 * through the first, apt gets through the second from the first (small
 * packages; larger ones still from the mirror until pieces land).
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { startAptWorld } from "../helpers/apt_world.ts";
import { announced } from "../helpers/peer_world.ts";

Deno.test({
  name:
    "apt-get through a third daemon gets a package over 2 MiB in pieces from the two daemons that have it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "golf", payloadBytes: 2_400_000 }]);
    await using world = await startAptWorld(repo, 3);
    const { mirror, daemons: [a, b, c] } = world;
    const roots = [];
    try {
      for (const daemon of [a, b, c]) {
        const apt = await createAptRoot(world.line(daemon));
        roots.push(apt);
        assert.equal((await apt.aptGet(["update"])).code, 0);
        const download = await apt.aptGet(["download", "golf"]);
        assert.equal(download.code, 0, download.output);
        assert.equal(
          await sha256File(`${apt.downloads}/golf_1.0-1_all.deb`),
          repo.debs.get("golf")!.sha256,
        );
        await daemon.pipeline.idle();
        await announced(daemon, daemon.announcer!.size);
      }
      assert.ok(repo.debs.get("golf")!.size > 2 * 1024 * 1024);
      assert.equal(
        mirror.requestsFor("golf_1.0-1_all.deb").length,
        1,
        "only the first daemon asked the mirror",
      );
      const stats = await (await fetch(`${c.base}/stats.json`)).json();
      for (const peer of [a, b]) {
        const row = stats.peers.find((p: { port: number }) => p.port === peer.port);
        assert.ok(
          row?.bytes_down > 0,
          `c got pieces from ${peer.port}: ${JSON.stringify(stats.peers)}`,
        );
      }
    } finally {
      for (const root of roots) await root.cleanup();
      await repo.cleanup();
    }
  },
});

Deno.test({
  name: "apt-get through a second daemon gets small packages from the first daemon, not the mirror",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "echo", payloadBytes: 30_000 }, {
      name: "foxtrot",
      payloadBytes: 100_000,
    }]);
    await using world = await startAptWorld(repo, 2);
    const { mirror, daemons: [a, b] } = world;
    const viaA = await createAptRoot(world.line(a));
    const viaB = await createAptRoot(world.line(b));
    try {
      assert.equal((await viaA.aptGet(["update"])).code, 0);
      const first = await viaA.aptGet(["download", "echo", "foxtrot"]);
      assert.equal(first.code, 0, first.output);
      await a.pipeline.idle();
      await announced(a, a.announcer!.size);

      const update = await viaB.aptGet(["update"]);
      assert.equal(update.code, 0, update.output);
      const second = await viaB.aptGet(["download", "echo", "foxtrot"]);
      assert.equal(second.code, 0, second.output);
      for (const name of ["echo", "foxtrot"]) {
        const deb = repo.debs.get(name)!;
        assert.equal(await sha256File(`${viaB.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
        assert.equal(
          mirror.requestsFor(`${name}_1.0-1_all.deb`).length,
          1,
          `${name} left the mirror once`,
        );
        assert.ok(
          b.logLines.some((l) => l.includes(`${name}_1.0-1_all.deb`) && l.includes("source=peer")),
          name,
        );
      }
    } finally {
      await viaA.cleanup();
      await viaB.cleanup();
      await repo.cleanup();
    }
  },
});
