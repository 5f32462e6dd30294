/** `apt-dht scan` as a real process, on a cache a daemon filled. */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { cliCommand, dirArgs } from "../helpers/daemon_process.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, writeFile } from "../helpers/archive.ts";
import { progressReporter } from "../../src/commands/scan.ts";

Deno.test({
  name:
    "scan rehashes every file, removes one whose bytes changed under the same size and mtime, exit 1",
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const dir = await Deno.makeTempDir();
    const pool = "debian/pool/main/v/verify";
    for (let i = 0; i < 3; i++) await writeFile(root, `${pool}/f${i}.deb`, bytes(50_000, i));
    const mirror = await MirrorServer.start(root);
    try {
      const daemon = await startTestDaemon({}, dir);
      for (let i = 0; i < 3; i++) {
        await (await fetch(`${daemon.base}/${mirror.authority}/${pool}/f${i}.deb`)).arrayBuffer();
      }
      await daemon.pipeline.idle();
      await daemon.stop();
      const scan = () => cliCommand(["scan", ...dirArgs(dir)]).output();
      const text = (b: Uint8Array) => new TextDecoder().decode(b);

      const clean = await scan();
      assert.equal(clean.code, 0, text(clean.stderr));
      assert.match(text(clean.stdout), /^scan: 3 files verified \(146\.5 KiB hashed\), 0 removed/);
      assert.match(text(clean.stderr), /^scan: 100% \(3\/3 files, 146\.5 KiB of 146\.5 KiB\)$/m);

      // Bit rot: one byte differs, size and mtime as recorded. Only reading finds it.
      const path = `${dir}/cache/${mirror.authority}/${pool}/f1.deb`;
      const stat = await Deno.stat(path);
      const content = await Deno.readFile(path);
      content[4242] ^= 1;
      await Deno.writeFile(path, content);
      await Deno.utime(path, stat.atime!, stat.mtime!);
      const rotten = await scan();
      assert.equal(rotten.code, 1);
      // Each file removed named on stdout by its path, then the summary.
      assert.equal(
        text(rotten.stdout).split("\n")[0],
        `scan: removed ${path}: content changed`,
      );
      assert.match(text(rotten.stdout), /^scan: 2 files verified .*, 1 removed/m);
      await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("scan progress: a redrawn bar on a terminal, a line per tenth otherwise", () => {
  const lines: string[] = [];
  const plain = progressReporter((t) => lines.push(t), false);
  for (let bytes = 0; bytes <= 1000; bytes += 50) {
    plain({ files: bytes / 100, totalFiles: 10, bytes, totalBytes: 1000 });
  }
  assert.equal(lines.length, 11);
  assert.equal(lines[0], "scan: 0% (0/10 files, 0 B of 1000 B)\n");
  assert.equal(lines.at(-1), "scan: 100% (10/10 files, 1000 B of 1000 B)\n");
  const drawn: string[] = [];
  progressReporter((t) => drawn.push(t), true)({
    files: 5,
    totalFiles: 10,
    bytes: 500,
    totalBytes: 1000,
  });
  assert.match(drawn[0], /^\r\[#{15}-{15}\] 50% 5\/10 files/);
});
