/** Many nodes on loopback UDP (each on its own 127.x.y.z address); under loss: under_loss/. */

import assert from "node:assert/strict";
import { idToHex, randomId } from "../../src/dht/mod.ts";
import { finds, startDhtNetwork } from "../helpers/dht_network.ts";

Deno.test({
  name: "100 nodes bootstrapped from one: every node finds a random announced key",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(100);
    const { nodes } = network;
    assert.ok(nodes.every((n) => n.table.size >= 8), "every table holds at least a bucket's worth");
    const keys = Array.from({ length: 10 }, () => randomId());
    const announced = await Promise.all(
      keys.map((key, i) => nodes[(i * 37) % 100].announce(key, 10_000 + i)),
    );
    const everywhere = await Promise.all(announced.map((a) => a.allStored));
    assert.ok(announced.every((a) => a.stored >= 1));
    assert.ok(everywhere.every((n) => n === 8), JSON.stringify(everywhere));
    const found = await Promise.all(
      nodes.map((node, i) => finds(node, keys[i % 10], 10_000 + (i % 10))),
    );
    assert.equal(found.filter(Boolean).length, 100);
    // The peers' values were stored on the nodes closest to each key.
    const storing = nodes.filter((n) => n.stats().storedPeers > 0).length;
    assert.ok(storing >= 8 && storing <= 80, `${storing} nodes store peers`);
    // The size estimate, once a node has done lookups in the grown network.
    for (let i = 0; i < 30; i++) await nodes[42].findNode(randomId());
    const estimate = nodes[42].stats().estimatedNodes!;
    assert.ok(estimate > 100 / 1.5 && estimate < 100 * 1.5, `estimate ${estimate}`);
  },
});

Deno.test({
  name: "BEP 44: an immutable item put by one node is got by another, and checked against its key",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(30);
    const value = new TextEncoder().encode("d6:lengthi1048576e6:pieces40:" + "x".repeat(40) + "e");
    const { key, stored } = await network.nodes[3].putImmutable(value);
    assert.equal(stored, 8);
    assert.deepEqual(await network.nodes[17].getImmutable(key), value);
    assert.equal(await network.nodes[17].getImmutable(randomId()), undefined);
    assert.equal(idToHex(key).length, 40);
    await assert.rejects(network.nodes[3].putImmutable(new Uint8Array(1001)), /at most 1000 bytes/);
  },
});

Deno.test({
  name: "a restarted node rejoins through its saved routing table, without any bootstrap node",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { UdpSocket, DhtNode } = await import("../../src/dht/mod.ts");
    const { MemoryDhtStateStore } = await import("../../src/dht/state_store.ts");
    await using network = await startDhtNetwork(20);
    const store = new MemoryDhtStateStore();
    const first = new DhtNode({
      socket: new UdpSocket("127.0.4.1", 0),
      bootstrap: [network.nodes[0].local],
      store,
    });
    await first.start();
    const known = first.table.size;
    await first.stop();
    assert.ok(known >= 8 && store.state!.contacts.length === known);
    const again = new DhtNode({ socket: new UdpSocket("127.0.4.1", 0), store });
    await again.start();
    try {
      assert.equal(idToHex(again.id), idToHex(store.state!.id));
      assert.ok(again.table.size >= 8, `rejoined with ${again.table.size} nodes`);
    } finally {
      await again.stop();
    }
  },
});
