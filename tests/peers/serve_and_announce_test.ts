/**
 * A daemon serves its verified files to any peer at /~/<sha256>, and
 * announces them in the DHT so other peers can find it.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { buildArchive, bytes, sha256 } from "../helpers/archive.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { dhtKeyOf } from "../../src/peers/mod.ts";

async function fetchThrough(base: string, archive: string) {
  for (
    const path of [
      "dists/stable/Release",
      "dists/stable/main/binary-amd64/Packages",
      "pool/main/p/pkg/pkg_1.0_amd64.deb",
    ]
  ) {
    const response = await fetch(`${base}/${archive}/${path}`);
    assert.equal(response.status, 200, path);
    await response.arrayBuffer();
  }
}

Deno.test({
  name:
    "any address may fetch a cached file by hash at /~/<sha256>, with HEAD and Range; nothing by path",
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const data = bytes(700_000, 5);
    await buildArchive(root, { "pkg_1.0_amd64.deb": data });
    const mirror = await MirrorServer.start(root);
    // Only 127.0.0.1 may use the proxy; a peer at 127.0.0.2 may still ask by hash.
    await using daemon = await startTestDaemon({ server: { allowed_clients: ["127.0.0.1/32"] } });
    const peer = Deno.createHttpClient({ localAddress: "127.0.0.2" });
    try {
      await fetchThrough(daemon.base, `${mirror.authority}/debian`);
      await daemon.pipeline.idle();
      const refused = await fetch(
        `${daemon.base}/${mirror.authority}/debian/dists/stable/Release`,
        { client: peer },
      );
      assert.equal(refused.status, 403, "the peer may not use the proxy");
      await refused.body?.cancel();
      const url = `${daemon.base}/~/${sha256(data)}`;
      const whole = await fetch(url, { client: peer });
      assert.equal(whole.status, 200);
      assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), data);
      const head = await fetch(url, { method: "HEAD" });
      assert.equal(head.headers.get("content-length"), String(data.length));
      const range = await fetch(url, { headers: { range: "bytes=524288-" } });
      assert.equal(range.status, 206);
      assert.deepEqual(new Uint8Array(await range.arrayBuffer()), data.subarray(524288));
      const beyond = await fetch(url, { headers: { range: `bytes=${data.length}-` } });
      assert.equal(beyond.status, 416);
      await beyond.body?.cancel();
      const unknown = await fetch(`${daemon.base}/~/${"0".repeat(64)}`);
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
      for (
        const path of [
          `/~/${mirror.authority}/debian/pool/main/p/pkg/pkg_1.0_amd64.deb`,
          "/~/abc",
          `/~/${sha256(data)}/x`,
        ]
      ) {
        const byPath = await fetch(`${daemon.base}${path}`);
        assert.equal(byPath.status, 404, path);
        await byPath.body?.cancel();
      }
    } finally {
      peer.close();
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "a verified file is announced in the DHT under its SHA-256, with the daemon's HTTP port",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const data = bytes(100_000, 8);
    await buildArchive(root, { "pkg_1.0_amd64.deb": data });
    const mirror = await MirrorServer.start(root);
    await using network = await startDhtNetwork(20);
    const bootstrap = `${network.nodes[0].local.address}:${network.nodes[0].local.port}`;
    await using daemon = await startTestDaemon({ dht: { bootstrap: [bootstrap] } });
    try {
      await fetchThrough(daemon.base, `${mirror.authority}/debian`);
      await daemon.pipeline.idle();
      // Announces are paced and start after the join: wait until this one went out.
      const deadline = Date.now() + 10_000;
      const all = () => (daemon.announcer?.announced ?? 0) >= 2;
      while (!all() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const peers = [];
      for await (const peer of network.nodes[13].findPeers(dhtKeyOf(sha256(data)))) {
        peers.push(peer);
      }
      assert.deepEqual(peers, [{ address: "127.0.0.1", port: daemon.port }]);
      // Files verified against the indexes are announced; the Release, which nothing lists, is not.
      assert.equal(daemon.announcer?.size, 2, "Packages (listed in Release) and the package");
      // And the peer that found it gets the file by hash.
      const response = await fetch(`http://127.0.0.1:${daemon.port}/~/${sha256(data)}`);
      assert.deepEqual(new Uint8Array(await response.arrayBuffer()), data);
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
