/**
 * Real apt against other archive layouts through the daemon: source
 * packages (`deb-src`, `apt-get source`), whose files then come from a
 * peer, and a flat repository (`deb … ./`) with only some compressions
 * and no by-hash.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { startTestDaemon } from "../helpers/daemon.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { announced } from "../helpers/peer_world.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

Deno.test({
  ...options,
  name:
    "apt-get source works through the daemon; a second daemon gets the .dsc, .orig and .debian files from the first",
  async fn() {
    const repo = await buildDebianRepo([{ name: "hotel", payloadBytes: 40_000 }], {
      sources: true,
    });
    const mirror = await MirrorServer.start(repo.root);
    await using network = await startDhtNetwork(5);
    const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
    const config = { dht: { bootstrap }, trust: { keyrings: [repo.keyring] } };
    await using a = await startTestDaemon(config);
    await using b = await startTestDaemon(config);
    const lines = (port: number) =>
      ["deb", "deb-src"].map((type) =>
        `${type} [signed-by=${repo.keyring}] http://127.0.0.1:${port}/${mirror.authority}/debian ${repo.suite} main`
      ).join("\n");
    const viaA = await createAptRoot(lines(a.port));
    const viaB = await createAptRoot(lines(b.port));
    try {
      for (const [daemon, apt] of [[a, viaA], [b, viaB]] as const) {
        const update = await apt.aptGet(["update"]);
        assert.equal(update.code, 0, update.output);
        assert.doesNotMatch(update.output, /^(W|E):/m, update.output);
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
      await mirror.stop();
      await repo.cleanup();
    }
  },
});

Deno.test({
  ...options,
  name:
    "a flat repository (deb … ./) without by-hash or xz works through the daemon, and its hashes are tracked and trusted",
  async fn() {
    const repo = await buildDebianRepo([{ name: "india", payloadBytes: 25_000 }], { flat: true });
    const mirror = await MirrorServer.start(repo.root);
    await using daemon = await startTestDaemon({ trust: { keyrings: [repo.keyring] } });
    const apt = await createAptRoot(
      `deb [signed-by=${repo.keyring}] http://127.0.0.1:${daemon.port}/${mirror.authority}/debian/flat ./`,
    );
    try {
      const update = await apt.aptGet(["update"]);
      assert.equal(update.code, 0, update.output);
      assert.doesNotMatch(update.output, /^(W|E):/m, update.output);
      const download = await apt.aptGet(["download", "india"]);
      assert.equal(download.code, 0, download.output);
      const deb = repo.debs.get("india")!;
      assert.equal(await sha256File(`${apt.downloads}/india_1.0-1_all.deb`), deb.sha256);
      await daemon.pipeline.idle();
      const entry = daemon.index.lookup(`${mirror.authority}/debian/flat/${deb.path}`);
      assert.equal(entry?.sha256, deb.sha256);
      assert.equal(entry?.trusted, true);
      const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
      assert.deepEqual(
        stats.releases.map((r: { release: string; trusted: boolean }) => [r.release, r.trusted]),
        [[`${mirror.authority}/debian/flat/InRelease`, true]],
      );
    } finally {
      await apt.cleanup();
      await mirror.stop();
      await repo.cleanup();
    }
  },
});
