/**
 * Real apt with source packages through the daemon (`deb-src`,
 * `apt-get source`), whose files then come from a peer.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { startAptWorld } from "../helpers/apt_world.ts";
import { announced } from "../helpers/peer_world.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...options,
  name:
    "apt-get source works through the daemon; a second daemon gets the .dsc, .orig and .debian files from the first",
  async fn() {
    const repo = await buildDebianRepo([{ name: "hotel", payloadBytes: 40_000 }], {
      sources: true,
    });
    await using world = await startAptWorld(repo, 2);
    const { mirror, daemons: [a, b] } = world;
    const lines = (daemon: typeof a) =>
      `${world.line(daemon, "deb")}\n${world.line(daemon, "deb-src")}`;
    const viaA = await createAptRoot(lines(a));
    const viaB = await createAptRoot(lines(b));
    try {
      for (const [daemon, apt] of [[a, viaA], [b, viaB]] as const) {
        await apt.update();
        const source = await apt.aptGet(["source", "--download-only", "hotel"]);
        assert.equal(source.code, 0, source.output);
        for (const path of repo.sourceFiles) {
          const name = path.slice(path.lastIndexOf("/") + 1);
          assert.equal(
            await sha256File(`${apt.downloads}/${name}`),
            await sha256File(`${repo.root}/debian/${path}`),
            name,
          );
        }
        await daemon.pipeline.idle();
        if (daemon === a) await announced(a, a.announcer!.size);
      }
      for (const path of repo.sourceFiles) {
        const name = path.slice(path.lastIndexOf("/") + 1);
        assert.equal(mirror.requestsFor(name).length, 1, `${name} left the mirror once`);
        assert.ok(
          b.logLines.some((l) => l.includes(name) && l.includes("source=peer")),
          `${name} came to b from a peer`,
        );
      }
    } finally {
      await viaA.cleanup();
      await viaB.cleanup();
      await repo.cleanup();
    }
  },
});
