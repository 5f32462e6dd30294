/**
 * A full disk: the cache directory is a 1 MiB tmpfs (this test needs root,
 * as CI has). A larger file still reaches the client whole and right, is
 * not cached, the status page says why, and the daemon goes on; the
 * condition clears when a file can be written again.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, sha256, writeFile } from "../helpers/archive.ts";

async function run(command: string, args: string[]) {
  const { code, stderr } = await new Deno.Command(command, { args, stderr: "piped" }).output();
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
  }
}

Deno.test({
  name:
    "with the disk full, downloads still reach apt from memory, are not cached, and the status says so",
  sanitizeResources: false,
  async fn() {
    assert.equal(Deno.uid(), 0, "this test mounts a small tmpfs: run it as root (CI does)");
    const root = await Deno.makeTempDir();
    const dir = await Deno.makeTempDir();
    const big = bytes(3_000_000, 5);
    const small = bytes(100_000, 6);
    await writeFile(root, "debian/pool/main/b/big/big_1_all.deb", big);
    await writeFile(root, "debian/pool/main/s/small/small_1_all.deb", small);
    const mirror = await MirrorServer.start(root);
    await Deno.mkdir(`${dir}/cache`);
    await run("mount", ["-t", "tmpfs", "-o", "size=1m", "apt-dht-test", `${dir}/cache`]);
    try {
      await using daemon = await startTestDaemon({}, dir);
      const url = (name: string) =>
        `${daemon.base}/${mirror.authority}/debian/pool/main/${name[0]}/${name}/${name}_1_all.deb`;
      for (let round = 0; round < 2; round++) {
        const response = await fetch(url("big"));
        assert.equal(response.status, 200);
        const body = new Uint8Array(await response.arrayBuffer());
        assert.equal(body.length, big.length);
        assert.equal(sha256(body), sha256(big), "every byte right");
        await daemon.pipeline.idle();
      }
      assert.equal(mirror.requestsFor("big_1_all.deb").length, 2, "not cached: asked again");
      await assert.rejects(Deno.stat(`${dir}/cache/${mirror.authority}/debian/pool/main/b`));
      assert.ok(daemon.logLines.some((l) => l.includes("download.disk_full")));
      assert.ok(daemon.logLines.some((l) => l.includes("cache.disk_full")));
      let stats = await (await fetch(`${daemon.base}/stats.json`)).json();
      assert.equal(stats.problems.length, 1);
      assert.match(stats.problems[0].detail, /files still reach apt/);
      assert.match(await (await fetch(`${daemon.base}/`)).text(), /<h2>Disk full<\/h2>/);
      const partials = [...Deno.readDirSync(`${dir}/cache/.partial`)];
      assert.deepEqual(partials, [], "nothing left behind");

      // A file that fits is cached again, and the condition clears.
      assert.equal(
        sha256(new Uint8Array(await (await fetch(url("small"))).arrayBuffer())),
        sha256(small),
      );
      await daemon.pipeline.idle();
      await Deno.stat(`${dir}/cache/${mirror.authority}/debian/pool/main/s/small/small_1_all.deb`);
      stats = await (await fetch(`${daemon.base}/stats.json`)).json();
      assert.deepEqual(stats.problems, []);
    } finally {
      await run("umount", [`${dir}/cache`]).catch(() => {});
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
