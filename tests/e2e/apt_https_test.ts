/**
 * https archives, with real apt against a signed repository on an https
 * mirror on loopback (a throw-away CA made for the test): through the
 * rewrite form (`/https/<host>/…`: fetched over TLS by the daemon, cached,
 * and shared with a second daemon over the DHT), and in proxy mode, where
 * apt's `CONNECT` is tunnelled to the mirror and nothing is cached.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { sha256File } from "../helpers/archive.ts";
import { startTestDaemon } from "../helpers/daemon.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { announced } from "../helpers/peer_world.ts";
import { makeTestCa } from "../helpers/tls.ts";

const PACKAGES = [
  { name: "hotel", payloadBytes: 40_000 },
  { name: "india", payloadBytes: 300_000 },
];

Deno.test({
  name:
    "apt-get through /https/<host>/: update and download over TLS, the second time from the cache, then from a peer",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo(PACKAGES);
    const ca = await makeTestCa();
    const mirror = await MirrorServer.start(repo.root, "127.0.0.1", 0, ca);
    const network = await startDhtNetwork(5);
    const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
    const config = {
      dht: { bootstrap },
      trust: { keyrings: [repo.keyring] },
      upstream: { ca_files: [ca.caFile] },
    };
    const a = await startTestDaemon(config);
    const b = await startTestDaemon(config);
    const stranger = await startTestDaemon({ trust: { keyrings: [repo.keyring] } });
    const roots: { cleanup(): Promise<void> }[] = [];
    const through = async (daemon: typeof a) => {
      const root = await createAptRoot(
        repo.sourceLine(`http://127.0.0.1:${daemon.port}/https/${mirror.authority}`),
      );
      roots.push(root);
      return root;
    };
    try {
      // 1. Everything from the https mirror, through the daemon.
      const first = await through(a);
      await first.update();
      const download = await first.aptGet(["download", "hotel", "india"]);
      assert.equal(download.code, 0, download.output);
      for (const { name } of PACKAGES) {
        const deb = repo.debs.get(name)!;
        assert.equal(await sha256File(`${first.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
        // Cached under the https form's key, apart from any http copy of the same host.
        assert.equal(
          await sha256File(`${a.cacheDir}/https/${mirror.authority}/debian/${deb.path}`),
          deb.sha256,
        );
      }
      assert.ok(mirror.requestsFor("/InRelease").some((r) => r.status === 200));

      // 2. A fresh apt through the same daemon: the pool files come from the cache.
      const second = await through(a);
      await second.update();
      const again = await second.aptGet(["download", "hotel", "india"]);
      assert.equal(again.code, 0, again.output);
      for (const { name } of PACKAGES) {
        assert.equal(mirror.requestsFor(`${name}_1.0-1_all.deb`).length, 1, name);
      }

      // 3. apt through a second daemon: the packages come from the first, not the mirror.
      await a.pipeline.idle();
      await announced(a, a.announcer!.size);
      const viaB = await through(b);
      await viaB.update();
      const fromPeer = await viaB.aptGet(["download", "hotel", "india"]);
      assert.equal(fromPeer.code, 0, fromPeer.output);
      for (const { name } of PACKAGES) {
        const deb = repo.debs.get(name)!;
        assert.equal(await sha256File(`${viaB.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
        assert.equal(mirror.requestsFor(`${name}_1.0-1_all.deb`).length, 1, `${name} left once`);
        assert.ok(
          b.logLines.some((l) => l.includes(`${name}_1.0-1_all.deb`) && l.includes("source=peer")),
          `${name} came from the peer`,
        );
      }

      // 4. A daemon that does not trust the mirror's CA gets nothing from it.
      const requestsBefore = mirror.log.length;
      const untrusting = await through(stranger);
      const refused = await untrusting.aptGet(["update"]);
      assert.match(refused.output, /Err:.*InRelease|Failed to fetch/, refused.output);
      assert.equal(mirror.log.length, requestsBefore, "no request got past the TLS handshake");
      assert.ok(
        stranger.logLines.some((l) =>
          /upstream_failed.*invalid peer certificate: UnknownIssuer/.test(l)
        ),
        `the daemon logged why: ${
          stranger.logLines.filter((l) => l.includes("InRelease")).join("\n")
        }`,
      );
    } finally {
      for (const root of roots) await root.cleanup();
      for (const daemon of [a, b, stranger]) await daemon[Symbol.asyncDispose]();
      await network.stop();
      await mirror.stop();
      await ca.cleanup();
      await repo.cleanup();
    }
  },
});
