/**
 * Bad peers in a piece-wise download: each costs time only; apt gets the
 * right file, from the others or the mirror, and the culprit is blamed.
 */

import assert from "node:assert/strict";
import {
  get,
  type PeerWorld,
  POOL,
  readIndexes,
  seededDaemon,
  startPeerWorld,
} from "../helpers/peer_world.ts";
import type { TestDaemon } from "../helpers/daemon.ts";
import { startFakePeer } from "../helpers/fake_peer.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

const options = { sanitizeResources: false, sanitizeOps: false };
type PeerRow = {
  address: string;
  port: number;
  hash_errors: number;
  failures: number;
  bytes_down: number;
};

async function peersOf(base: string): Promise<PeerRow[]> {
  return (await (await fetch(`${base}/stats.json`)).json()).peers;
}

/**
 * Fetches the package through `c`: apt sees the right file, or (if it had
 * been given a byte that proved wrong) a broken transfer, never a wrong file;
 * the cache ends with the right one.
 */
async function rightFileOrCut(c: TestDaemon, world: PeerWorld): Promise<void> {
  const response = await fetch(`${c.base}/${world.archive}/${POOL}`);
  const body = await response.arrayBuffer().then((b) => new Uint8Array(b), () => "cut" as const);
  if (body !== "cut") assertBytes(body, world.data);
  await c.pipeline.idle();
  assertBytes(await Deno.readFile(`${c.cacheDir}/${world.archive}/${POOL}`), world.data);
}

Deno.test({
  ...options,
  name: "a peer sending a bad piece is blamed and the piece comes from another peer",
  async fn() {
    await using world = await startPeerWorld(2_600_000, 31);
    await seededDaemon(world);
    // Every piece it sends is wrong, though the list it claims is the true one.
    const lies = world.data.map((b) => b ^ 0x5a);
    await using liar = await startFakePeer("127.0.5.1", world.data, world.network.nodes[0].local, {
      content: lies,
      listOf: world.data,
    });
    const c = await world.daemon();
    await readIndexes(c, world.archive);
    const got = await get(c.base, world.archive, POOL);
    assertBytes(got.body, world.data);
    assert.equal(
      world.mirror.requestsFor("pkg_1.0_amd64.deb").length,
      1,
      "the mirror was not needed",
    );
    assert.ok(liar.requests.some((r) => r.range), "the liar was asked for pieces");
    const blamed = (await peersOf(c.base)).find((p) => p.address === "127.0.5.1");
    assert.ok((blamed?.hash_errors ?? 0) >= 1, "and blamed");
  },
});

Deno.test({
  ...options,
  name: "a peer that stalls mid-piece or is gone costs time only",
  async fn() {
    await using world = await startPeerWorld(2_600_000, 32);
    await seededDaemon(world);
    await using staller = await startFakePeer(
      "127.0.5.2",
      world.data,
      world.network.nodes[0].local,
      {
        stall: true,
      },
    );
    const gone = await startFakePeer("127.0.5.3", world.data, world.network.nodes[0].local);
    await gone[Symbol.asyncDispose](); // announced, then vanished
    const c = await world.daemon({ peers: { timeout: 1 } });
    await readIndexes(c, world.archive);
    const started = performance.now();
    const got = await get(c.base, world.archive, POOL);
    assertBytes(got.body, world.data);
    assert.ok(performance.now() - started < 8000);
    const rows = await peersOf(c.base);
    assert.ok(staller.requests.some((r) => r.range), "the staller was asked for pieces");
    assert.ok(
      (rows.find((p) => p.address === "127.0.5.2")?.failures ?? 0) >= 1,
      JSON.stringify(rows),
    );
    assert.ok(
      (rows.find((p) => p.address === "127.0.5.3")?.failures ?? 0) >= 1,
      "the vanished peer failed",
    );
  },
});

Deno.test({
  ...options,
  name: "a peer lying about the piece list is outvoted by two honest ones",
  async fn() {
    await using world = await startPeerWorld(2_600_000, 33);
    await seededDaemon(world);
    await seededDaemon(world);
    // It serves other bytes, with a list that matches them: only the vote can catch it early.
    const other = world.data.slice();
    other.fill(7, 0, 1000);
    await using liar = await startFakePeer("127.0.5.4", world.data, world.network.nodes[0].local, {
      content: other,
    });
    const c = await world.daemon();
    await readIndexes(c, world.archive);
    const got = await get(c.base, world.archive, POOL);
    assertBytes(got.body, world.data);
    assert.equal(got.source, "peer");
    assert.ok(
      !liar.requests.some((r) => r.path.length === 43 && r.method === "GET"),
      "its list was never fetched",
    );
    assert.equal(
      world.mirror.requestsFor("pkg_1.0_amd64.deb").length,
      1,
      "only a asked the mirror (b got it from a)",
    );
  },
});

Deno.test({
  ...options,
  name: "when the only peer is slow, the mirror joins in and apt does not wait for the peer",
  async fn() {
    await using world = await startPeerWorld(2_600_000, 34);
    await using staller = await startFakePeer(
      "127.0.5.5",
      world.data,
      world.network.nodes[0].local,
      { stall: true },
    );
    // A patient timeout: without the mirror joining in, this would take minutes.
    const c = await world.daemon({ peers: { timeout: 60 } });
    await readIndexes(c, world.archive);
    const started = performance.now();
    const got = await get(c.base, world.archive, POOL);
    const seconds = (performance.now() - started) / 1000;
    assertBytes(got.body, world.data);
    assert.ok(staller.requests.some((r) => r.range), "the peer was asked");
    assert.ok(seconds < 15, `took ${seconds.toFixed(1)} s`);
  },
});

Deno.test({
  ...options,
  name:
    "a lone peer whose list matches its wrong bytes is caught by the whole-file hash and blamed; the mirror delivers",
  async fn() {
    await using world = await startPeerWorld(1_600_000, 35);
    const other = world.data.slice();
    other.fill(9, 600_000, 601_000); // piece 1 differs; its own list agrees with it
    await using liar = await startFakePeer("127.0.5.6", world.data, world.network.nodes[0].local, {
      content: other,
    });
    const c = await world.daemon();
    await readIndexes(c, world.archive);
    await rightFileOrCut(c, world);
    assert.ok(liar.requests.some((r) => r.range));
    const blamed = (await peersOf(c.base)).find((p) => p.address === "127.0.5.6");
    assert.ok((blamed?.hash_errors ?? 0) >= 1, "the list's provider is blamed");
  },
});

Deno.test({
  ...options,
  name: "a piece list its peer will not serve is taken from the DHT, where it is a BEP 44 item",
  async fn() {
    await using world = await startPeerWorld(1_200_000, 36); // 3 pieces: the list fits in 1000 bytes
    await using peer = await startFakePeer("127.0.5.7", world.data, world.network.nodes[0].local, {
      listOnlyInDht: true,
    });
    const c = await world.daemon();
    await readIndexes(c, world.archive);
    const got = await get(c.base, world.archive, POOL);
    assertBytes(got.body, world.data);
    assert.equal(got.source, "peer");
    assert.equal(
      world.mirror.requestsFor("pkg_1.0_amd64.deb").length,
      0,
      "all pieces from the peer",
    );
    assert.ok(peer.requests.some((r) => r.range));
  },
});

const PIECE_1 = "bytes=524288-1048575";

Deno.test({
  ...options,
  name:
    "two peers agreeing on a wrong list: a second round shifts every piece to another peer, and the senders of bad pieces are blamed",
  async fn() {
    await using world = await startPeerWorld(1_600_000, 37);
    const other = world.data.slice();
    other.fill(3, 600_000, 601_000); // piece 1 differs; their list agrees with it
    const bootstrap = world.network.nodes[0].local;
    await using liarA = await startFakePeer("127.0.5.8", world.data, bootstrap, { content: other });
    await using liarB = await startFakePeer("127.0.5.9", world.data, bootstrap, { content: other });
    const c = await world.daemon();
    await readIndexes(c, world.archive);
    await rightFileOrCut(c, world);
    // Piece 1 was asked of each liar once: the second round did not go back to the first sender.
    const askedA = liarA.requests.filter((r) => r.range === PIECE_1).length;
    const askedB = liarB.requests.filter((r) => r.range === PIECE_1).length;
    assert.deepEqual([askedA, askedB], [1, 1]);
    // Each named the wrong list and sent one bad piece; the mirror's copy proved both.
    const rows = await peersOf(c.base);
    for (const address of ["127.0.5.8", "127.0.5.9"]) {
      const row = rows.find((p) => p.address === address);
      assert.equal(row?.hash_errors, 2, JSON.stringify(rows));
    }
  },
});

Deno.test({
  ...options,
  name: "an honest peer outvoted by two liars is never blamed for pieces that missed their list",
  async fn() {
    await using world = await startPeerWorld(1_600_000, 38);
    const honest = await seededDaemon(world);
    const other = world.data.slice();
    other.fill(4, 600_000, 601_000);
    const bootstrap = world.network.nodes[0].local;
    await using _a = await startFakePeer("127.0.5.10", world.data, bootstrap, { content: other });
    await using _b = await startFakePeer("127.0.5.11", world.data, bootstrap, { content: other });
    const c = await world.daemon();
    await readIndexes(c, world.archive);
    await rightFileOrCut(c, world);
    const rows = await peersOf(c.base);
    const honestPort = new URL(honest.base).port;
    // By address and port: a fake peer on its own address may have drawn the same port.
    const honestRow = rows.find((p) => p.address === "127.0.0.1" && String(p.port) === honestPort);
    assert.equal(honestRow?.hash_errors ?? 0, 0, JSON.stringify(rows));
    for (const address of ["127.0.5.10", "127.0.5.11"]) {
      assert.ok((rows.find((p) => p.address === address)?.hash_errors ?? 0) >= 1);
    }
  },
});
