/**
 * Two machines and nothing else: the second daemon joins the DHT through
 * the first (no other node exists), and real apt through it gets every
 * package the first already has from the first, small and in pieces alike.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { startTestDaemon } from "../helpers/daemon.ts";
import { announced } from "../helpers/peer_world.ts";

Deno.test({
  name: "two daemons alone in their DHT share every package",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const names = ["alpha", "bravo", "charlie"];
    const repo = await buildDebianRepo([
      { name: "alpha", payloadBytes: 20_000 },
      { name: "bravo", payloadBytes: 300_000 },
      { name: "charlie", payloadBytes: 2_400_000 }, // in pieces
    ]);
    const mirror = await MirrorServer.start(repo.root);
    const trust = { keyrings: [repo.keyring] };
    await using a = await startTestDaemon({ dht: { bootstrap: [] }, trust });
    await using b = await startTestDaemon({ dht: { bootstrap: [`127.0.0.1:${a.port}`] }, trust });
    const roots = [];
    try {
      for (const daemon of [a, b]) {
        const apt = await createAptRoot(
          repo.sourceLine(`http://127.0.0.1:${daemon.port}/${mirror.authority}`),
        );
        roots.push(apt);
        assert.equal((await apt.aptGet(["update"])).code, 0);
        const download = await apt.aptGet(["download", ...names]);
        assert.equal(download.code, 0, download.output);
        for (const name of names) {
          assert.equal(
            await sha256File(`${apt.downloads}/${name}_1.0-1_all.deb`),
            repo.debs.get(name)!.sha256,
          );
        }
        await daemon.pipeline.idle();
        await announced(daemon, daemon.announcer!.size);
      }
      for (const name of names) {
        assert.equal(
          mirror.requestsFor(`${name}_1.0-1_all.deb`).length,
          1,
          `${name}: only the first daemon asked the mirror`,
        );
      }
    } finally {
      for (const root of roots) await root.cleanup();
      await mirror.stop();
      await repo.cleanup();
    }
  },
});
