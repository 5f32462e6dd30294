/**
 * `deno task bundle`: the release path without a source tree. The bundle is
 * copied alone into an empty directory and run as a daemon with
 * `--cached-only --no-remote --no-npm`, a home and DENO_DIR that cannot
 * exist, and real apt fetches a package through it.
 */

import assert from "node:assert/strict";
import { bundle, BUNDLE_RUN_FLAGS } from "../../scripts/bundle.ts";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { type AptRoot, createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { VERSION } from "../../src/version.ts";

Deno.test({
  name: "the bundle runs alone as a daemon, with no npm, no remote code and no writable home",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "apt-dht-bundle-" });
    const repo = await buildDebianRepo([{ name: "juliet", payloadBytes: 30_000 }]);
    const mirror = await MirrorServer.start(repo.root);
    let apt: AptRoot | undefined;
    let child: Deno.ChildProcess | undefined;
    try {
      await bundle(`${dir}/apt-dht.js`);
      // Nowhere to write a cache of Deno's own, and nothing to read one from (even as root).
      const env = { HOME: "/proc/nonexistent", DENO_DIR: "/proc/nonexistent/deno", NO_COLOR: "1" };
      const run = (args: string[]) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", ...BUNDLE_RUN_FLAGS, `${dir}/apt-dht.js`, ...args],
          cwd: dir,
          env,
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        });
      const version = await run(["version"]).output();
      assert.equal(version.code, 0, new TextDecoder().decode(version.stderr));
      assert.match(
        new TextDecoder().decode(version.stdout),
        new RegExp(VERSION.replace(/\./g, "\\.")),
      );

      child = run([
        "run",
        "--listen",
        "127.0.0.1",
        "--port",
        "0",
        "--cache-dir",
        `${dir}/cache`,
        "--state-dir",
        `${dir}/state`,
      ]).spawn();
      child.stdout.cancel();
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let log = "";
      while (!/listen=127\.0\.0\.1:(\d+)/.test(log)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the bundle exited: ${log}`);
        log += value;
      }
      const port = Number(/listen=127\.0\.0\.1:(\d+)/.exec(log)![1]);

      apt = await createAptRoot(
        repo.sourceLine(`http://127.0.0.1:${port}/${mirror.authority}`, "deb"),
      );
      await apt.update();
      const download = await apt.aptGet(["download", "juliet"]);
      assert.equal(download.code, 0, download.output);
      assert.equal(
        await sha256File(`${apt.downloads}/juliet_1.0-1_all.deb`),
        repo.debs.get("juliet")!.sha256,
      );
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
      reader.releaseLock();
      await child.stderr.cancel().catch(() => {});
      child = undefined;
    } finally {
      try {
        child?.kill("SIGKILL");
      } catch { /* already gone */ }
      await apt?.cleanup();
      await mirror.stop();
      await repo.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
