/**
 * Real apt-get through the daemon, against a signed repository served on
 * loopback, in URL-rewrite mode and in proxy mode.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { sha256File } from "../helpers/archive.ts";
import { startTestDaemon } from "../helpers/daemon.ts";

const PACKAGES = [
  { name: "alpha", payloadBytes: 20_000 },
  { name: "bravo", payloadBytes: 700_000 },
  { name: "charlie", payloadBytes: 5_000 },
];

Deno.test({
  name:
    "apt-get update and download work through the daemon in rewrite and proxy mode, the second time from the cache",
  sanitizeResources: false,
  async fn() {
    const repo = await buildDebianRepo(PACKAGES);
    const mirror = await MirrorServer.start(repo.root);
    const daemon = await startTestDaemon();
    const roots: { cleanup(): Promise<void> }[] = [];
    try {
      const site = mirror.authority;
      const rewriteLine =
        `deb [signed-by=${repo.keyring}] http://127.0.0.1:${daemon.port}/${site}/debian ${repo.suite} main`;

      // 1. URL-rewrite mode, everything from the mirror.
      const first = await createAptRoot(rewriteLine);
      roots.push(first);
      await first.update();
      const download = await first.aptGet(["download", "alpha", "bravo"]);
      assert.equal(download.code, 0, download.output);
      for (const name of ["alpha", "bravo"]) {
        const deb = repo.debs.get(name)!;
        assert.equal(await sha256File(`${first.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
        assert.equal(await sha256File(`${daemon.cacheDir}/${site}/debian/${deb.path}`), deb.sha256);
      }
      await daemon.pipeline.idle();
      // apt asked for the Packages index by hash; the daemon learnt the pool hashes from it.
      assert.ok(mirror.log.some((r) => r.path.includes("/by-hash/SHA512/") && r.status === 200));
      const db = new DatabaseSync(`${daemon.stateDir}/apt-dht.db`, { readOnly: true });
      // Stored once per content of the listing, under the archive root the listing names.
      const indexed = db.prepare(
        `SELECT f.sha256 FROM listing_files AS f JOIN listing_sources AS s
        ON s.content = f.content WHERE s.root || f.path = ?`,
      ).get(
        `${site}/debian/${repo.debs.get("bravo")!.path}`,
      ) as { sha256: string } | undefined;
      const cachedFiles = db.prepare("SELECT path, sha256 FROM files WHERE path LIKE '%.deb'")
        .all();
      db.close();
      assert.equal(indexed?.sha256, repo.debs.get("bravo")!.sha256);
      assert.equal(cachedFiles.length, 2);

      // 2. A fresh apt, same daemon: pool files come from the cache.
      const second = await createAptRoot(rewriteLine);
      roots.push(second);
      assert.equal((await second.aptGet(["update"])).code, 0);
      const again = await second.aptGet(["download", "alpha", "bravo"]);
      assert.equal(again.code, 0, again.output);
      assert.equal(
        await sha256File(`${second.downloads}/bravo_1.0-1_all.deb`),
        repo.debs.get("bravo")!.sha256,
      );
      assert.equal(mirror.requestsFor("alpha_1.0-1_all.deb").length, 1);
      assert.equal(mirror.requestsFor("bravo_1.0-1_all.deb").length, 1);

      // 3. Proxy mode: sources name the mirror itself; apt sends absolute-form requests to the daemon.
      const proxied = await createAptRoot(
        `deb [signed-by=${repo.keyring}] http://${site}/debian ${repo.suite} main`,
      );
      roots.push(proxied);
      const proxy = `http://127.0.0.1:${daemon.port}`;
      const proxyUpdate = await proxied.aptGet(["update"], { proxy });
      assert.equal(proxyUpdate.code, 0, proxyUpdate.output);
      const proxyDownload = await proxied.aptGet(["download", "bravo", "charlie"], { proxy });
      assert.equal(proxyDownload.code, 0, proxyDownload.output);
      assert.equal(
        await sha256File(`${proxied.downloads}/charlie_1.0-1_all.deb`),
        repo.debs.get("charlie")!.sha256,
      );
      assert.equal(
        mirror.requestsFor("bravo_1.0-1_all.deb").length,
        1,
        "bravo came from the cache",
      );
      assert.equal(mirror.requestsFor("charlie_1.0-1_all.deb").length, 1);
      assert.ok(
        daemon.logLines.some((l) =>
          l.includes("charlie_1.0-1_all.deb") && l.includes("source=mirror")
        ),
      );
    } finally {
      for (const root of roots) await root.cleanup();
      await daemon[Symbol.asyncDispose]();
      await mirror.stop();
      await repo.cleanup();
    }
  },
});

Deno.test({
  name: "a package corrupted on the mirror is refused by the daemon and never cached",
  sanitizeResources: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "delta", payloadBytes: 50_000 }]);
    const mirror = await MirrorServer.start(repo.root);
    const daemon = await startTestDaemon();
    const apt = await createAptRoot(
      `deb [signed-by=${repo.keyring}] http://127.0.0.1:${daemon.port}/${mirror.authority}/debian ${repo.suite} main`,
    );
    try {
      const deb = repo.debs.get("delta")!;
      const onMirror = `${repo.root}/debian/${deb.path}`;
      const data = await Deno.readFile(onMirror);
      data[data.length >> 1] ^= 0x55; // same size, different bytes
      await Deno.writeFile(onMirror, data);

      assert.equal((await apt.aptGet(["update"])).code, 0);
      const download = await apt.aptGet(["download", "delta"]);
      assert.notEqual(download.code, 0, download.output);
      await daemon.pipeline.idle();
      await assert.rejects(Deno.stat(`${daemon.cacheDir}/${mirror.authority}/debian/${deb.path}`));
      // apt saw the transfer fail; what it kept is short of the file, never a whole wrong one.
      assert.match(download.output, /Failed to fetch .*delta_1\.0-1_all\.deb/);
      const kept = await Deno.stat(`${apt.downloads}/delta_1.0-1_all.deb`).then(
        (s) => s.size,
        () => 0,
      );
      assert.ok(kept < deb.size, `apt kept ${kept} of ${deb.size} bytes`);
      const db = new DatabaseSync(`${daemon.stateDir}/apt-dht.db`, { readOnly: true });
      const failures = db.prepare("SELECT reason FROM hash_failures").all() as { reason: string }[];
      const cached = db.prepare("SELECT count(*) AS n FROM files WHERE path LIKE '%delta%'")
        .get() as { n: number };
      db.close();
      assert.equal(failures.length, 1);
      assert.match(failures[0].reason, /sha256/);
      assert.equal(cached.n, 0);
    } finally {
      await apt.cleanup();
      await daemon[Symbol.asyncDispose]();
      await mirror.stop();
      await repo.cleanup();
    }
  },
});
