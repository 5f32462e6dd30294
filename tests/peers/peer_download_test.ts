/**
 * Small files with a known hash come from a peer that announced them, and a
 * peer that lies costs time, never a wrong byte.
 */

import assert from "node:assert/strict";
import { sha256 } from "../helpers/archive.ts";
import { announced, get, POOL, readIndexes, startPeerWorld } from "../helpers/peer_world.ts";
import { DhtNode, UdpSocket } from "../../src/dht/mod.ts";
import { dhtKeyOf } from "../../src/peers/announcer.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...options,
  name:
    "a second daemon gets a small package from the first, found through the DHT; the mirror sees it once",
  async fn() {
    await using world = await startPeerWorld(300_000, 21);
    const a = await world.daemon();
    const b = await world.daemon();
    await readIndexes(a, world.archive);
    await get(a.base, world.archive, POOL);
    await a.pipeline.idle();
    await announced(a, 2);

    await get(b.base, world.archive, "dists/stable/InRelease");
    await b.pipeline.idle();
    await b.index.settled();
    const packages = await get(b.base, world.archive, "dists/stable/main/binary-amd64/Packages");
    assert.equal(packages.source, "peer", "Packages (listed in InRelease) came from a");
    await b.pipeline.idle();
    await b.index.settled();
    const pkg = await get(b.base, world.archive, POOL);
    assert.equal(pkg.source, "peer");
    assertBytes(pkg.body, world.data);
    assert.equal(
      world.mirror.requestsFor("pkg_1.0_amd64.deb").length,
      1,
      "the mirror served the package once",
    );
    await b.pipeline.idle();
    assertBytes(await Deno.readFile(`${b.cacheDir}/${world.archive}/${POOL}`), world.data);
    // Both sides keep count: b downloaded from a, a uploaded (to b's address).
    const bStats = await (await fetch(`${b.base}/stats.json`)).json();
    const aStats = await (await fetch(`${a.base}/stats.json`)).json();
    const fromA = bStats.peers.find((p: { port: number }) => p.port === a.port);
    assert.ok(fromA.bytes_down >= world.data.length, JSON.stringify(bStats.peers));
    assert.ok(aStats.uploaded >= world.data.length);
    assert.ok(
      aStats.peers.some((p: { address: string; bytes_up: number }) =>
        p.bytes_up >= world.data.length
      ),
    );
  },
});

Deno.test({
  ...options,
  name: "a lying peer costs time, never a byte: the file comes whole and right from the mirror",
  async fn() {
    await using world = await startPeerWorld(200_000, 22);
    // The liar: same length, other bytes, announced under the package's key.
    const lies = world.data.slice();
    lies[1234] ^= 0xff;
    let liesServed = 0;
    const liar = Deno.serve({ hostname: "127.0.0.9", port: 0, onListen() {} }, (request) => {
      if (request.method === "GET") liesServed++; // HEADs ask only where its copy stands
      return new Response(lies, { headers: { "content-length": String(lies.length) } });
    });
    const liarNode = new DhtNode({
      socket: new UdpSocket("127.0.0.9", 0),
      bootstrap: [world.network.nodes[0].local],
    });
    try {
      await liarNode.start();
      await liarNode.announce(dhtKeyOf(sha256(world.data)), liar.addr.port);
      const b = await world.daemon();
      await readIndexes(b, world.archive);
      const pkg = await get(b.base, world.archive, POOL);
      assert.equal(liesServed, 1, "the liar was asked for the file once");
      assertBytes(pkg.body, world.data);
      assert.equal(pkg.source, "mirror");
      await b.pipeline.idle();
      // The liar is blamed, and ranks below a peer without errors from now on.
      const stats = await (await fetch(`${b.base}/stats.json`)).json();
      const blamed = stats.peers.find((p: { address: string }) => p.address === "127.0.0.9");
      assert.equal(blamed.hash_errors, 1);
      assert.ok(blamed.score < 0.7);
      assertBytes(await Deno.readFile(`${b.cacheDir}/${world.archive}/${POOL}`), world.data);
    } finally {
      await liarNode.stop();
      await liar.shutdown();
    }
  },
});

Deno.test({
  ...options,
  name:
    "with the mirror down, a file a peer has still arrives; with no peer, the mirror serves after a short wait",
  async fn() {
    await using world = await startPeerWorld(150_000, 23);
    const a = await world.daemon();
    const b = await world.daemon();
    await readIndexes(b, world.archive);
    await readIndexes(a, world.archive);
    // Nobody has the package yet: b gets it from the mirror, after at most the peer wait.
    const started = performance.now();
    const alone = await get(b.base, world.archive, POOL);
    assert.equal(alone.source, "mirror");
    assert.ok(performance.now() - started < 1500, `${performance.now() - started} ms`);
    assertBytes(alone.body, world.data);
    await b.pipeline.idle();
    await announced(b, 2);
    // Then the mirror goes down: a still gets the package, from b.
    await world.mirror.stop();
    const fromPeer = await get(a.base, world.archive, POOL);
    assert.equal(fromPeer.source, "peer");
    assertBytes(fromPeer.body, world.data);
  },
});

Deno.test({
  ...options,
  name: "a package over 2 MiB comes to a third daemon in checked pieces from the two that have it",
  async fn() {
    await using world = await startPeerWorld(2_600_000, 24);
    const [a, b, c] = [await world.daemon(), await world.daemon(), await world.daemon()];
    for (const daemon of [a, b, c]) await readIndexes(daemon, world.archive);
    assert.equal((await get(a.base, world.archive, POOL)).source, "mirror");
    await a.pipeline.idle();
    await announced(a, 2);
    const viaB = await get(b.base, world.archive, POOL);
    assert.equal(viaB.source, "peer");
    assertBytes(viaB.body, world.data);
    await b.pipeline.idle();
    await announced(b, 2);

    const viaC = await get(c.base, world.archive, POOL);
    assert.equal(viaC.source, "peer");
    assertBytes(viaC.body, world.data);
    await c.pipeline.idle();
    assertBytes(await Deno.readFile(`${c.cacheDir}/${world.archive}/${POOL}`), world.data);
    assert.equal(
      world.mirror.requestsFor("pkg_1.0_amd64.deb").length,
      1,
      "only a asked the mirror",
    );
    const stats = await (await fetch(`${c.base}/stats.json`)).json();
    const fromPeers = stats.peers.filter((p: { port: number }) =>
      p.port === a.port || p.port === b.port
    );
    assert.equal(fromPeers.length, 2);
    for (const peer of fromPeers) assert.ok(peer.bytes_down > 0, `nothing from ${peer.port}`);
  },
});
