/**
 * Interoperability with an independent mainline implementation: the npm
 * package bittorrent-dht (a test-only dependency), on loopback. Each side's
 * announce is found by the other side's lookup, and find_node works both ways.
 */

import assert from "node:assert/strict";
import DHT from "bittorrent-dht";
import { Buffer } from "node:buffer";
import { idToHex, randomId } from "../../src/dht/mod.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { voter } from "../helpers/voter.ts";

type TheirNode = {
  nodeId: Uint8Array;
  listen(port: number, address: string, cb: () => void): void;
  address(): { address: string; port: number };
  announce(infoHash: Uint8Array, port: number, cb: (error?: Error) => void): void;
  lookup(infoHash: Uint8Array, cb: (error?: Error) => void): void;
  on(event: string, listener: (...args: never[]) => void): void;
  toJSON(): { nodes: { host: string; port: number }[] };
  destroy(cb?: () => void): void;
};

async function startTheirs(address: string, bootstrap: string): Promise<TheirNode> {
  // bootstrap is always given: the package would otherwise contact the public routers.
  const node = new DHT({ bootstrap: [bootstrap], host: false }) as unknown as TheirNode;
  await new Promise<void>((resolve) => node.listen(0, address, resolve));
  await new Promise<void>((resolve) => node.on("ready", resolve));
  return node;
}

Deno.test({
  name: "interop with bittorrent-dht: announces found both ways, find_node both ways",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(20);
    const ours = network.nodes;
    const bootstrap = `${ours[0].local.address}:${ours[0].local.port}`;
    const theirs = await Promise.all(
      ["127.0.2.1", "127.0.2.2", "127.0.2.3"].map((a) => startTheirs(a, bootstrap)),
    );
    try {
      // find_node, theirs → ours: bootstrapping through our node, they learned our other nodes from its replies.
      const learned = theirs[0].toJSON().nodes.filter((n) =>
        n.host.startsWith("127.0.0.") && n.port !== ours[0].local.port
      );
      assert.ok(learned.length >= 3, `they learned ${learned.length} of our nodes`);

      // find_node, ours → theirs: a lookup for their id ends at their node, which answered us.
      const theirId = new Uint8Array(theirs[1].nodeId);
      const result = await ours[7].findNode(theirId);
      assert.equal(idToHex(result.closest[0].id), idToHex(theirId));
      assert.equal(result.closest[0].address, "127.0.2.2");

      // Their announce, our lookup.
      const theirKey = randomId();
      await new Promise<void>((resolve, reject) =>
        theirs[0].announce(Buffer.from(theirKey), 7001, (e) => e ? reject(e) : resolve())
      );
      const found: string[] = [];
      for await (const peer of ours[11].findPeers(theirKey)) {
        found.push(`${peer.address}:${peer.port}`);
      }
      assert.ok(found.includes("127.0.2.1:7001"), `we found ${found}`);

      // Our announce, their lookup.
      const ourKey = randomId();
      const { stored } = await ours[5].announce(ourKey, 8002);
      assert.ok(stored >= 1);
      const peers: string[] = [];
      theirs[2].on(
        "peer",
        ((peer: { host: string; port: number }) =>
          peers.push(`${peer.host}:${peer.port}`)) as never,
      );
      await new Promise<void>((resolve, reject) =>
        theirs[2].lookup(Buffer.from(ourKey), (e) => e ? reject(e) : resolve())
      );
      assert.ok(peers.includes(`${ours[5].local.address}:8002`), `they found ${peers}`);
    } finally {
      await Promise.all(
        theirs.map((node) => new Promise<void>((resolve) => node.destroy(() => resolve()))),
      );
    }
  },
});

Deno.test({
  name:
    "interop with bittorrent-dht: votes are stored and read past their nodes, which are never sent apt_vote",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(8);
    const ours = network.nodes;
    const bootstrap = `${ours[0].local.address}:${ours[0].local.port}`;
    const theirs = await Promise.all(
      ["127.0.3.1", "127.0.3.2", "127.0.3.3", "127.0.3.4", "127.0.3.5", "127.0.3.6"].map((a) =>
        startTheirs(a, bootstrap)
      ),
    );
    try {
      // Refresh our tables so their nodes are among the closest to the vote's target.
      for (const node of ours) await node.findNode(randomId());
      const accused = randomId();
      const vote = await (await voter())(accused);
      const started = performance.now();
      const stored = await ours[3].votes.publish(vote);
      const ms = performance.now() - started;
      assert.ok(stored >= 2, `stored by ${stored}`);
      // bittorrent-dht leaves a query it does not know unanswered: it is never sent one (its
      // answers carry no apt-dht `v`), so no store waits out retransmissions.
      assert.ok(ms < 3000, `publishing took ${ms.toFixed(0)} ms`);
      const read = await ours[6].votes.read(accused);
      assert.equal(read.length, 1);
      assert.deepEqual(read[0].sig, vote.sig);
      // And their nodes still work: a lookup for one of their ids ends at it.
      const theirId = new Uint8Array(theirs[2].nodeId);
      const result = await ours[5].findNode(theirId);
      assert.equal(idToHex(result.closest[0].id), idToHex(theirId));
    } finally {
      await Promise.all(
        theirs.map((node) => new Promise<void>((resolve) => node.destroy(() => resolve()))),
      );
    }
  },
});
