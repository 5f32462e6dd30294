import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, writeFile } from "../helpers/archive.ts";

Deno.test("counters survive a restart: all-time totals add this run to the runs before", async () => {
  const root = await Deno.makeTempDir();
  const dir = await Deno.makeTempDir();
  await writeFile(root, "debian/pool/main/c/count/count_1_all.deb", bytes(40_000, 3));
  const mirror = await MirrorServer.start(root);
  const url = (base: string) =>
    `${base}/${mirror.authority}/debian/pool/main/c/count/count_1_all.deb`;
  try {
    const first = await startTestDaemon({}, dir);
    await (await fetch(url(first.base))).arrayBuffer();
    await first.pipeline.idle();
    await first.stop();

    await using second = await startTestDaemon({}, dir);
    await (await fetch(url(second.base))).arrayBuffer(); // a cache hit this time
    const stats = await (await fetch(`${second.base}/stats.json`)).json();
    assert.equal(stats.bytes.mirror, undefined, "this run fetched nothing from the mirror");
    assert.equal(stats.bytes.cache, 40_000);
    assert.equal(stats.all_time.bytes.mirror, 40_000);
    assert.equal(stats.all_time.bytes.cache, 40_000);
    assert.equal(stats.all_time.requests.mirror, 1);
    // The wire counters (heads included) carry over too: the first run's mirror traffic.
    assert.equal(stats.wire.mirror_in, undefined);
    assert.ok(stats.all_time.wire.mirror_in > 40_000, JSON.stringify(stats.all_time.wire));
    assert.ok(stats.all_time.wire.mirror_out > 0);
    // The hit ratio: this run all from the cache, all time one of two requests.
    assert.deepEqual(stats.hit_ratio, {
      requests: { session: 1, all_time: 0.5 },
      bytes: { session: 1, all_time: 0.5 },
    });
    // The history carries the first run's hour: 40 kB from the mirror, 40 kB from the cache.
    const hour = stats.history.hourly.at(-1);
    assert.equal(stats.history.hourly.length, 24);
    assert.equal(stats.history.daily.length, 30);
    // The first run may have been in the hour before (a run across the hour): sum both.
    const last2 = stats.history.hourly.slice(-2);
    const sum = (key: string) =>
      last2.reduce((n: number, h: Record<string, number>) => n + h[key], 0);
    assert.deepEqual([sum("from_mirrors"), sum("from_cache"), sum("from_peers")], [
      40_000,
      40_000,
      0,
    ]);
    assert.ok(
      Date.parse(hour.start) <= Date.now() && Date.now() - Date.parse(hour.start) < 3_600_000,
    );
    assert.equal(
      stats.history.daily.at(-1).from_cache + stats.history.daily.at(-2).from_cache,
      40_000,
    );
    // Who asked: this run's one client, one hit.
    assert.equal(stats.clients.length, 1);
    assert.equal(stats.clients[0].address, "127.0.0.1");
    assert.deepEqual(
      [stats.clients[0].requests, stats.clients[0].hits, stats.clients[0].bytes],
      [1, 1, 40_000],
    );
  } finally {
    await mirror.stop();
    await Deno.remove(root, { recursive: true });
  }
});
