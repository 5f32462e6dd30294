/**
 * cache.extra_directories: a .deb lying in apt's own archives on one
 * machine is hashed where it lies, matched against the trusted indexes,
 * announced, and reaches real apt on another machine from there; the mirror
 * never serves it and the file is neither moved nor copied.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { startAptWorld } from "../helpers/apt_world.ts";

Deno.test({
  name: "a .deb in a shared directory is announced and served where it lies",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "lima", payloadBytes: 40_000 }, {
      name: "mike",
      payloadBytes: 10_000,
    }]);
    const archives = await Deno.makeTempDir({ prefix: "apt-archives-" });
    const deb = repo.debs.get("lima")!;
    const shared = `${archives}/lima_1.0-1_all.deb`;
    await Deno.copyFile(`${repo.root}/${repo.archivePath}/${deb.path}`, shared);
    await Deno.mkdir(`${archives}/partial`);
    await Deno.writeTextFile(`${archives}/partial/half.deb`, "not a package"); // apt's, left alone
    await Deno.writeTextFile(`${archives}/stray_1_all.deb`, "listed by nothing"); // never announced
    const before = await Deno.stat(shared);
    await using world = await startAptWorld(
      repo,
      2,
      (i) => i === 0 ? { cache: { extra_directories: [archives] } } : {},
    );
    const { mirror, daemons: [a, b] } = world;
    const viaA = await createAptRoot(world.line(a));
    const viaB = await createAptRoot(world.line(b));
    const byHash = async (bytes: Uint8Array) => {
      const response = await fetch(
        `${a.base}/~/${createHash("sha256").update(bytes).digest("hex")}`,
      );
      await response.body?.cancel();
      return response.status;
    };
    const lima = await Deno.readFile(shared);
    try {
      await a.keeper.scanned;
      // Before an index lists it, a shared file is nobody's business.
      assert.equal(await byHash(lima), 404, "not served by hash before a trusted index lists it");
      await viaA.update(); // the indexes that make the shared file's hash known and trusted
      const deadline = Date.now() + 10_000;
      const matched = () => a.logLines.find((l) => l.includes("cache.shared_matched"));
      while (
        (!matched() || (a.announcer?.announced ?? 0) < a.announcer!.size) && Date.now() < deadline
      ) await new Promise((r) => setTimeout(r, 50));
      // Two .deb files lie there; only the one a trusted index lists is announced.
      assert.match(matched() ?? "", /files=2 announced=1/, a.logLines.join("\n"));
      assert.equal(await byHash(lima), 200);
      assert.equal(await byHash(new TextEncoder().encode("listed by nothing")), 404, "the stray");

      await viaB.update();
      const download = await viaB.aptGet(["download", "lima"]);
      assert.equal(download.code, 0, download.output);
      assert.equal(await sha256File(`${viaB.downloads}/lima_1.0-1_all.deb`), deb.sha256);
      assert.equal(mirror.requestsFor("lima_1.0-1_all.deb").length, 0, "the mirror never sent it");
      assert.ok(
        b.logLines.some((l) => l.includes("lima_1.0-1_all.deb") && l.includes("source=peer")),
      );

      // apt on the sharing machine gets it from its own archives too, without a copy.
      const own = await viaA.aptGet(["download", "lima"]);
      assert.equal(own.code, 0, own.output);
      assert.equal(mirror.requestsFor("lima_1.0-1_all.deb").length, 0);
      const after = await Deno.stat(shared);
      assert.deepEqual([after.size, after.mtime], [before.size, before.mtime], "left as it was");
      for await (const entry of Deno.readDir(a.cacheDir)) {
        assert.notEqual(entry.name, "lima_1.0-1_all.deb");
      }
    } finally {
      await viaA.cleanup();
      await viaB.cleanup();
      await repo.cleanup();
      await Deno.remove(archives, { recursive: true });
    }
  },
});
