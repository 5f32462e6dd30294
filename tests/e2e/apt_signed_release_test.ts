/**
 * An archive without InRelease: its Release file's only "hash" is the
 * Release.gpg beside it. Real apt through a second (and third) daemon gets
 * the Release from the first daemon by the signature's DHT key; a peer whose
 * copy no longer matches the signature is caught and the mirror serves.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { startAptWorld } from "../helpers/apt_world.ts";
import { announced } from "../helpers/peer_world.ts";

Deno.test({
  name:
    "a Release without InRelease comes from a peer by its signature, and a stale copy is caught",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "hotel", payloadBytes: 20_000 }]);
    await using world = await startAptWorld(repo, 3);
    const { mirror, daemons: [a, b, c] } = world;
    const dists = `/${repo.archivePath}/dists/${repo.suite}`;
    mirror.faults.set(`${dists}/InRelease`, { kind: "status", status: 404 });
    const releaseKey = `${mirror.authority}${dists}/Release`;
    const roots = await Promise.all([a, b, c].map((daemon) => createAptRoot(world.line(daemon))));
    const [viaA, viaB, viaC] = roots;
    try {
      await viaA.update();
      await a.pipeline.idle();
      await a.index.settled();
      assert.ok(a.index.releases.trusted(releaseKey), "the first daemon verified Release.gpg");
      const signed = a.index.releases.signedReleases();
      assert.equal(signed.length, 1);
      await announced(a, a.announcer!.size);
      assert.equal(mirror.requestsFor(`${dists}/Release`).length, 1);

      await viaB.update();
      await b.pipeline.idle();
      assert.equal(
        mirror.requestsFor(`${dists}/Release`).length,
        1,
        "the second daemon did not ask the mirror for Release",
      );
      assert.ok(
        b.logLines.some((l) => l.includes(`${dists}/Release `) && l.includes("source=peer")),
        b.logLines.filter((l) => l.includes("Release")).join("\n"),
      );
      assert.ok(b.index.releases.trusted(releaseKey), "and trusts what the peer sent");
      // Its download through the second daemon proves the Packages hashes it read from it.
      const download = await viaB.aptGet(["download", "hotel"]);
      assert.equal(download.code, 0, download.output);

      // The first daemon's copy changes under it (same size and mtime, so its cache serves it):
      // the third daemon sees the signature fail over the peer's bytes and falls back.
      for (const daemon of [a, b]) {
        const path = `${daemon.cacheDir}/${releaseKey}`;
        const stat = await Deno.stat(path);
        const bytes = await Deno.readFile(path);
        bytes[bytes.length - 2] ^= 0x20;
        await Deno.writeFile(path, bytes);
        await Deno.utime(path, stat.atime!, stat.mtime!);
      }
      await viaC.update();
      assert.equal(mirror.requestsFor(`${dists}/Release`).length, 2, "the mirror served it");
      assert.ok(c.index.releases.trusted(releaseKey));
      assert.ok(
        c.logLines.some((l) => l.includes("download.hash_mismatch") && l.includes("/~/signed/")),
        "the peer's Release failed its signature",
      );
      const stats = await (await fetch(`${c.base}/stats.json`)).json();
      const blamed = stats.peers.filter((p: { hash_errors: number }) => p.hash_errors >= 1);
      assert.ok(blamed.length >= 1, JSON.stringify(stats.peers));
    } finally {
      for (const root of roots) await root.cleanup();
      await repo.cleanup();
    }
  },
});
