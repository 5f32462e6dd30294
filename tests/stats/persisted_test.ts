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
  } finally {
    await mirror.stop();
    await Deno.remove(root, { recursive: true });
  }
});
