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
import { aptDownloadsThrough, localRunArgs, spawnDaemon } from "../helpers/daemon_process.ts";
import { VERSION } from "../../src/version.ts";

Deno.test({
  name: "the bundle runs alone as a daemon, with no npm, no remote code and no writable home",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "apt-dht-bundle-" });
    const repo = await buildDebianRepo([{ name: "juliet", payloadBytes: 30_000 }]);
    const mirror = await MirrorServer.start(repo.root);
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

      await using daemon = await spawnDaemon(run(localRunArgs(dir)));
      await aptDownloadsThrough(daemon.port, repo, mirror, "juliet");
      // Packages was read by the listing worker, which runs the bundle itself.
      await daemon.until(/index\.ingested[^\n]*kind=packages/);
      assert.doesNotMatch(daemon.log(), /ingest_failed/);
      assert.equal(await daemon.stop(), 0);
    } finally {
      await mirror.stop();
      await repo.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
