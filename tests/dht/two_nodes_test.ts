/**
 * The smallest network: two nodes on real UDP, the most common first
 * deployment. Each finds what the other announced, and a node that
 * announced before anyone else was there is found through itself.
 */

import assert from "node:assert/strict";
import { DhtNode, type Endpoint, randomId, UdpSocket } from "../../src/dht/mod.ts";

async function node(bootstrap: Endpoint[] = []): Promise<DhtNode> {
  const n = new DhtNode({ socket: new UdpSocket("127.0.0.1", 0), bootstrap });
  await n.start();
  return n;
}

async function finds(searcher: DhtNode, key: Uint8Array, holder: DhtNode, port: number) {
  for await (const peer of searcher.findPeers(key)) {
    if (peer.address === holder.local.address && peer.port === port) return true;
  }
  return false;
}

Deno.test({
  name: "two nodes: every key either announces is found by the other",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const a = await node();
    const b = await node([a.local]);
    try {
      const keysOfA = Array.from({ length: 10 }, () => randomId());
      const keysOfB = Array.from({ length: 10 }, () => randomId());
      for (const key of keysOfA) await a.announce(key, 1111);
      for (const key of keysOfB) await b.announce(key, 2222);
      let found = 0;
      for (const key of keysOfA) if (await finds(b, key, a, 1111)) found++;
      for (const key of keysOfB) if (await finds(a, key, b, 2222)) found++;
      assert.equal(found, 20, `${found} of 20 lookups found the peer`);
    } finally {
      await b.stop();
      await a.stop();
    }
  },
});

Deno.test({
  name: "a node that announced while alone is found through itself by the node that joins",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const a = await node();
    const key = randomId();
    assert.equal((await a.announce(key, 3333)).stored, 0, "nobody to store it");
    const c = await node([a.local]);
    try {
      assert.ok(await finds(c, key, a, 3333));
    } finally {
      await c.stop();
      await a.stop();
    }
  },
});
