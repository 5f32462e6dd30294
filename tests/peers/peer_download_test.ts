/**
 * Small files with a known hash come from a peer that announced them, and a
 * peer that lies costs time, never a wrong byte.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { buildArchive, bytes, sha256 } from "../helpers/archive.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { DhtNode, UdpSocket } from "../../src/dht/mod.ts";
import { dhtKeyOf } from "../../src/peers/mod.ts";

const POOL = "pool/main/p/pkg/pkg_1.0_amd64.deb";

async function get(base: string, archive: string, path: string) {
  const response = await fetch(`${base}/${archive}/${path}`);
  assert.equal(response.status, 200, path);
  return {
    source: response.headers.get("x-apt-dht-source"),
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

async function waitFor(condition: () => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name:
    "a second daemon gets a small package from the first, found through the DHT; the mirror sees it once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const data = bytes(300_000, 21);
    await buildArchive(root, { "pkg_1.0_amd64.deb": data });
    const mirror = await MirrorServer.start(root);
    await using network = await startDhtNetwork(12);
    const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
    await using a = await startTestDaemon({ dht: { bootstrap } });
    await using b = await startTestDaemon({ dht: { bootstrap } });
    const archive = `${mirror.authority}/debian`;
    try {
      for (
        const path of ["dists/stable/Release", "dists/stable/main/binary-amd64/Packages", POOL]
      ) {
        await get(a.base, archive, path);
        await a.pipeline.idle();
      }
      await waitFor(() => (a.announcer?.announced ?? 0) >= 2, "a's announces");
      await get(b.base, archive, "dists/stable/Release");
      await b.pipeline.idle();
      await b.index.settled();
      const packages = await get(b.base, archive, "dists/stable/main/binary-amd64/Packages");
      assert.equal(packages.source, "peer", "Packages (listed in Release) came from a");
      await b.pipeline.idle();
      await b.index.settled();
      const pkg = await get(b.base, archive, POOL);
      assert.equal(pkg.source, "peer");
      assert.deepEqual(pkg.body, data);
      assert.equal(
        mirror.requestsFor("pkg_1.0_amd64.deb").length,
        1,
        "the mirror served the package once",
      );
      await b.pipeline.idle();
      assert.deepEqual(await Deno.readFile(`${b.cacheDir}/${archive}/${POOL}`), data);
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "a lying peer costs time, never a byte: the file comes whole and right from the mirror",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const data = bytes(200_000, 22);
    await buildArchive(root, { "pkg_1.0_amd64.deb": data });
    const mirror = await MirrorServer.start(root);
    // The liar: same length, other bytes, announced under the package's key.
    const lies = data.slice();
    lies[1234] ^= 0xff;
    let liesServed = 0;
    const liar = Deno.serve({ hostname: "127.0.0.9", port: 0, onListen() {} }, () => {
      liesServed++;
      return new Response(lies, { headers: { "content-length": String(lies.length) } });
    });
    await using network = await startDhtNetwork(12);
    const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
    const liarNode = new DhtNode({
      socket: new UdpSocket("127.0.0.9", 0),
      bootstrap: [network.nodes[0].local],
    });
    await liarNode.start();
    await liarNode.announce(dhtKeyOf(sha256(data)), liar.addr.port);
    await using b = await startTestDaemon({ dht: { bootstrap } });
    const archive = `${mirror.authority}/debian`;
    try {
      for (const path of ["dists/stable/Release", "dists/stable/main/binary-amd64/Packages"]) {
        await get(b.base, archive, path);
        await b.pipeline.idle();
        await b.index.settled();
      }
      const pkg = await get(b.base, archive, POOL);
      assert.equal(liesServed, 1, "the liar was asked");
      assert.deepEqual(pkg.body, data);
      assert.equal(pkg.source, "mirror");
      await b.pipeline.idle();
      assert.deepEqual(await Deno.readFile(`${b.cacheDir}/${archive}/${POOL}`), data);
    } finally {
      await liarNode.stop();
      await liar.shutdown();
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "with the mirror down, a file a peer has still arrives; with no peer, the mirror serves after a short wait",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const data = bytes(150_000, 23);
    await buildArchive(root, { "pkg_1.0_amd64.deb": data });
    const mirror = await MirrorServer.start(root);
    await using network = await startDhtNetwork(12);
    const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
    await using a = await startTestDaemon({ dht: { bootstrap } });
    await using b = await startTestDaemon({ dht: { bootstrap } });
    const archive = `${mirror.authority}/debian`;
    try {
      // b alone, nobody has the package yet: from the mirror, after at most the peer wait.
      for (const daemon of [b, a]) {
        for (const path of ["dists/stable/Release", "dists/stable/main/binary-amd64/Packages"]) {
          await get(daemon.base, archive, path);
          await daemon.pipeline.idle();
          await daemon.index.settled();
        }
      }
      const started = performance.now();
      const alone = await get(b.base, archive, POOL);
      assert.equal(alone.source, "mirror");
      assert.ok(performance.now() - started < 1500, `${performance.now() - started} ms`);
      assert.deepEqual(alone.body, data);

      // Then the mirror goes down: a still gets the package, from b.
      await b.pipeline.idle();
      await waitFor(() => (b.announcer?.announced ?? 0) >= 2, "b's announces");
      await mirror.stop();
      const fromPeer = await get(a.base, archive, POOL);
      assert.equal(fromPeer.source, "peer");
      assert.deepEqual(fromPeer.body, data);
    } finally {
      await mirror.stop().catch(() => {});
      await Deno.remove(root, { recursive: true });
    }
  },
});
