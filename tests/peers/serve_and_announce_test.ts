/**
 * A daemon serves its verified files to any peer at /~/<sha256>, and
 * announces them in the DHT so other peers can find it.
 */

import assert from "node:assert/strict";
import { sha256 } from "../helpers/archive.ts";
import { announced, get, POOL, readIndexes, startPeerWorld } from "../helpers/peer_world.ts";
import { dhtKeyOf } from "../../src/peers/announcer.ts";
import { decodePieceList, PIECE_BYTES, pieceDigest, pieceHashAt } from "../../src/hash/mod.ts";
import { createHash } from "node:crypto";
import { assertBytes } from "../helpers/bytes_assert.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...options,
  name:
    "any address may fetch a cached file by hash at /~/<sha256>, with HEAD and Range; nothing by path",
  async fn() {
    await using world = await startPeerWorld(700_000, 5);
    // Only 127.0.0.1 may use the proxy; a peer at 127.0.0.2 may still ask by hash.
    const daemon = await world.daemon({ server: { allowed_clients: ["127.0.0.1/32"] } });
    const peer = Deno.createHttpClient({ localAddress: "127.0.0.2" });
    try {
      await readIndexes(daemon, world.archive);
      await get(daemon.base, world.archive, POOL);
      await daemon.pipeline.idle();
      const refused = await fetch(`${daemon.base}/${world.archive}/dists/stable/Release`, {
        client: peer,
      });
      assert.equal(refused.status, 403, "the peer may not use the proxy");
      await refused.body?.cancel();
      const url = `${daemon.base}/~/${sha256(world.data)}`;
      const whole = await fetch(url, { client: peer });
      assert.equal(whole.status, 200);
      assertBytes(new Uint8Array(await whole.arrayBuffer()), world.data);
      const head = await fetch(url, { method: "HEAD", client: peer });
      assert.equal(head.headers.get("content-length"), String(world.data.length));
      // Files over 512 KiB come with a piece list, served by its SHA-1.
      const listKey = head.headers.get("x-apt-dht-pieces")!;
      assert.match(listKey, /^[0-9a-f]{40}$/);
      const listBytes = new Uint8Array(
        await (await fetch(`${daemon.base}/~/${listKey}`, { client: peer })).arrayBuffer(),
      );
      assert.equal(createHash("sha1").update(listBytes).digest("hex"), listKey);
      const list = decodePieceList(listBytes, world.data.length);
      assert.deepEqual(pieceHashAt(list, 1), pieceDigest(world.data.subarray(PIECE_BYTES)));
      const range = await fetch(url, { headers: { range: "bytes=524288-" }, client: peer });
      assert.equal(range.status, 206);
      assertBytes(new Uint8Array(await range.arrayBuffer()), world.data.subarray(524288));
      const beyond = await fetch(url, {
        headers: { range: `bytes=${world.data.length}-` },
        client: peer,
      });
      assert.equal(beyond.status, 416);
      await beyond.body?.cancel();
      const unknown = await fetch(`${daemon.base}/~/${"0".repeat(64)}`, { client: peer });
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
      for (const path of [`/~/${world.archive}/${POOL}`, "/~/abc", `/~/${sha256(world.data)}/x`]) {
        const byPath = await fetch(`${daemon.base}${path}`, { client: peer });
        assert.equal(byPath.status, 404, path);
        await byPath.body?.cancel();
      }
    } finally {
      peer.close();
    }
  },
});

Deno.test({
  ...options,
  name: "a verified file is announced in the DHT under its SHA-256, with the daemon's HTTP port",
  async fn() {
    await using world = await startPeerWorld(100_000, 8);
    const daemon = await world.daemon();
    await readIndexes(daemon, world.archive);
    await get(daemon.base, world.archive, POOL);
    await daemon.pipeline.idle();
    // Announces are paced and start after the join.
    await announced(daemon, 2);
    const peers = [];
    for await (const peer of world.network.nodes[7].findPeers(dhtKeyOf(sha256(world.data)))) {
      peers.push(peer);
    }
    assert.deepEqual(peers, [{ address: "127.0.0.1", port: daemon.port }]);
    // Files verified against the indexes are announced; the Release, which nothing lists, is not.
    assert.equal(daemon.announcer?.size, 2, "Packages (listed in Release) and the package");
    // The status says the announces keep up: none overdue, and the pace for a cache this small.
    const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
    assert.deepEqual(
      { ...stats.dht.announces, in_flight: 0 },
      { held: 2, announced: 2, failed: 0, overdue: 0, behind_s: 0, per_second: 5, in_flight: 0 },
    );
    assert.equal(stats.dht.finds.lookups >= 1, true, JSON.stringify(stats.dht.finds));
    const response = await fetch(`http://127.0.0.1:${daemon.port}/~/${sha256(world.data)}`);
    assertBytes(new Uint8Array(await response.arrayBuffer()), world.data);
  },
});

Deno.test({
  ...options,
  name:
    "what may not be announced is not served by hash: not an InRelease, not a file no index lists",
  async fn() {
    await using world = await startPeerWorld(100_000, 9);
    const extra = new TextEncoder().encode("a file no index lists, maybe from a private host\n");
    await Deno.writeFile(`${world.mirror.root}/debian/extra.txt`, extra);
    const daemon = await world.daemon();
    await readIndexes(daemon, world.archive);
    const inRelease = await get(daemon.base, world.archive, "dists/stable/InRelease");
    const unlisted = await get(daemon.base, world.archive, "extra.txt");
    assertBytes(unlisted.body, extra);
    await get(daemon.base, world.archive, POOL);
    await daemon.pipeline.idle();
    const byHash = async (bytes: Uint8Array) => {
      const response = await fetch(`${daemon.base}/~/${sha256(bytes)}`);
      await response.body?.cancel();
      return response.status;
    };
    // All three are in the cache; only the one a trusted index lists is there for peers.
    assert.equal(await byHash(world.data), 200);
    assert.equal(await byHash(inRelease.body), 404, "the InRelease");
    assert.equal(await byHash(extra), 404, "the unlisted file");
  },
});
