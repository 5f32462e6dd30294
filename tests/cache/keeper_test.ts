/**
 * The cache upkeep inside a real daemon: the scan at start runs while the
 * daemon already serves, and the size limit holds as files arrive.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, writeFile } from "../helpers/archive.ts";
import { testStore } from "../helpers/cache_store.ts";
import { isImmutable } from "../../src/apt/mod.ts";
import { CacheKeeper } from "../../src/cache/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

Deno.test({
  name:
    "a restarted daemon rehashes files whose mtime moved, keeps the unchanged, drops the changed, and serves meanwhile",
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const dir = await Deno.makeTempDir();
    const pool = "debian/pool/main/s/scan";
    // "touched" and "changed" are twins (same content): removing "changed" once opened
    // "touched" (is the content still held?) before the scan had rehashed it, which dropped it.
    const seeds: Record<string, number> = { touched: 1, changed: 1, same: 3 };
    for (const name of ["touched", "changed", "same"]) {
      await writeFile(root, `${pool}/${name}_1_all.deb`, bytes(30_000, seeds[name]));
    }
    const mirror = await MirrorServer.start(root);
    const url = (base: string, name: string) =>
      `${base}/${mirror.authority}/${pool}/${name}_1_all.deb`;
    try {
      const first = await startTestDaemon({}, dir);
      // "changed" first: the scan (least recently used first) removes it before it reaches "touched".
      for (const name of ["changed", "touched", "same"]) {
        await (await fetch(url(first.base, name))).arrayBuffer();
      }
      await first.pipeline.idle();
      await first.stop();

      const cached = (name: string) => `${dir}/cache/${mirror.authority}/${pool}/${name}_1_all.deb`;
      const later = new Date(Date.now() + 10_000);
      await Deno.utime(cached("touched"), later, later); // e.g. copied back from a backup
      const changed = await Deno.readFile(cached("changed"));
      changed[100] ^= 0xff;
      await Deno.writeFile(cached("changed"), changed);
      await Deno.utime(cached("changed"), later, later);

      await using second = await startTestDaemon({}, dir);
      await second.keeper.scanned;
      assert.ok(
        second.logLines.some((l) => l.includes("cache.scanned") && l.includes("rehashed=2")),
        second.logLines.filter((l) => l.includes("cache.")).join("\n"),
      );
      for (const name of ["touched", "changed", "same"]) {
        const response = await fetch(url(second.base, name));
        assert.equal(response.status, 200);
        assertBytes(new Uint8Array(await response.arrayBuffer()), bytes(30_000, seeds[name]));
        const source = response.headers.get("x-apt-dht-source");
        assert.equal(source, name === "changed" ? "mirror" : "cache", name);
      }
      assert.equal(mirror.requestsFor("changed_1_all.deb").length, 2, "fetched again");
      assert.equal(mirror.requestsFor("touched_1_all.deb").length, 1, "kept");
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "over cache.max_size, files just fetched are not evicted: apt is still reading them",
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const pool = "debian/pool/main/l/lru";
    for (let i = 0; i < 4; i++) await writeFile(root, `${pool}/f${i}.deb`, bytes(40_000, i));
    const mirror = await MirrorServer.start(root);
    try {
      await using daemon = await startTestDaemon({ cache: { max_size: 100_000 } });
      await daemon.keeper.scanned;
      for (let i = 0; i < 4; i++) {
        await (await fetch(`${daemon.base}/${mirror.authority}/${pool}/f${i}.deb`)).arrayBuffer();
      }
      await daemon.pipeline.idle();
      // All four were just fetched, so all are in use: nothing may go yet.
      await daemon.keeper.runNow();
      const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
      assert.equal(stats.cache.files, 4, "files in use stay, even over the limit");
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("the keeper evicts soon after commits take the cache over its limit", async () => {
  await using t = await testStore();
  const removed: string[] = [];
  const keeper = new CacheKeeper(
    t.store,
    { maxBytes: 250, expireDays: 0, expires: isImmutable, lastListed: () => undefined, inUseMs: 0 },
    new Logger("error"),
    (key) => removed.push(key),
    { afterCommitMs: 20 },
  );
  keeper.start();
  await keeper.scanned;
  for (let i = 0; i < 4; i++) {
    t.setNow(Date.now() + i * 1000);
    await t.put(`m/pool/f${i}.deb`, "x".repeat(100));
    keeper.committed();
  }
  for (let i = 0; i < 100 && removed.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  await keeper.stop();
  assert.deepEqual(removed, ["m/pool/f0.deb", "m/pool/f1.deb"], "the oldest two");
  assert.deepEqual(t.store.stats(), { files: 2, bytes: 200 });
});
