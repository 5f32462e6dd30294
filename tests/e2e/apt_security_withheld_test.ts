/**
 * Real apt through a daemon on a private DHT, with two real signed
 * repositories on loopback mirrors: a main archive (`bookworm`) and a
 * security archive (`bookworm-security`). The main archive's package is
 * announced until apt's sources take in the security archive, whose index
 * lists a newer version; then it is withdrawn, while apt still gets it,
 * and the fixed version is announced.
 */

import assert from "node:assert/strict";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { startTestDaemon } from "../helpers/daemon.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!await test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name:
    "real apt: a package is withdrawn from the DHT once the security archive apt uses has a newer one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const main = await buildDebianRepo([{ name: "hello", payloadBytes: 120_000 }], {
      suite: "bookworm",
    });
    const security = await buildDebianRepo(
      [{ name: "hello", payloadBytes: 120_000, version: "1.0-1+deb12u1" }],
      { suite: "bookworm-security", archive: "debian-security" },
    );
    const mainMirror = await MirrorServer.start(main.root);
    const securityMirror = await MirrorServer.start(security.root);
    const network = await startDhtNetwork(5);
    const roots = [];
    try {
      const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
      await using daemon = await startTestDaemon({
        dht: { bootstrap },
        trust: { keyrings: [main.keyring, security.keyring] },
      });
      const through = (mirror: MirrorServer) =>
        `http://127.0.0.1:${daemon.port}/${mirror.authority}`;
      const old = main.debs.get("hello")!;
      const fixed = security.debs.get("hello")!;
      const privacy = async () => (await (await fetch(`${daemon.base}/stats.json`)).json()).privacy;

      // Only the main archive: the package is announced.
      const before = await createAptRoot(main.sourceLine(through(mainMirror)));
      roots.push(before);
      await before.update();
      const first = await before.aptGet(["download", "hello"]);
      assert.equal(first.code, 0, first.output);
      assert.equal(await sha256File(`${before.downloads}/hello_1.0-1_all.deb`), old.sha256);
      await daemon.pipeline.idle();
      await until("the package is announced", () => daemon.announcer!.has(old.sha256));

      // apt now uses the security archive too: its index lists 1.0-1+deb12u1.
      const after = await createAptRoot(
        [main.sourceLine(through(mainMirror)), security.sourceLine(through(securityMirror))]
          .join("\n"),
      );
      roots.push(after);
      await after.update();
      // Watched in the process: a request to the status page every 50 ms would keep the daemon
      // from being quiet, and listings are read once it is (or after 30 s).
      await until("the old version is withdrawn", () => !daemon.announcer!.has(old.sha256));
      assert.equal((await privacy()).withheld, 1);
      assert.deepEqual((await privacy()).withheld_by_reason, { security_update: 1, vulnerable: 0 });
      const byHash = await fetch(`${daemon.base}/~/${old.sha256}`);
      await byHash.body?.cancel();
      assert.equal(byHash.status, 404, "peers cannot tell it from a file not held");

      // apt takes the fixed version, which is announced; the old one is still served to apt.
      const upgrade = await after.aptGet(["download", "hello"]);
      assert.equal(upgrade.code, 0, upgrade.output);
      assert.equal(
        await sha256File(`${after.downloads}/hello_1.0-1+deb12u1_all.deb`),
        fixed.sha256,
      );
      await daemon.pipeline.idle();
      await until("the fixed version is announced", () => daemon.announcer!.has(fixed.sha256));
      const pinned = await after.aptGet(["download", "hello=1.0-1"]);
      assert.equal(pinned.code, 0, pinned.output);
      assert.equal(await sha256File(`${after.downloads}/hello_1.0-1_all.deb`), old.sha256);
      assert.equal((await privacy()).withheld, 1);
    } finally {
      for (const root of roots) await root.cleanup();
      await network.stop();
      await mainMirror.stop();
      await securityMirror.stop();
      await main.cleanup();
      await security.cleanup();
    }
  },
});
