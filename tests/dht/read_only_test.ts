/**
 * BEP 43: a node marked read-only (behind NAT) still looks up and
 * announces, but the nodes it queries leave it out of their tables.
 */

import assert from "node:assert/strict";
import { DhtNode, randomId, UdpSocket } from "../../src/dht/mod.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { defaultConfig, validateLayer } from "../../src/config/schema.ts";
import { mergeLayers } from "../../src/config/merge.ts";

Deno.test({
  name:
    "a read-only node is left out of other tables, a normal one is not; both find what was announced",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(15);
    const bootstrap = [network.nodes[0].local];
    const hidden = new DhtNode({
      socket: new UdpSocket("127.0.5.200", 0),
      bootstrap,
      readOnly: true,
    });
    const seen = new DhtNode({ socket: new UdpSocket("127.0.5.201", 0), bootstrap });
    await hidden.start();
    await seen.start();
    try {
      for (let i = 0; i < 5; i++) {
        await hidden.findNode(randomId());
        await seen.findNode(randomId());
      }
      const holding = (address: string) =>
        network.nodes.filter((n) => n.table.all().some((e) => e.address === address)).length;
      assert.equal(holding("127.0.5.200"), 0, "nobody keeps the read-only node");
      assert.ok(holding("127.0.5.201") >= 3, `${holding("127.0.5.201")} keep the normal one`);
      const key = randomId();
      await network.nodes[4].announce(key, 5555);
      let found = false;
      for await (const peer of hidden.findPeers(key)) if (peer.port === 5555) found = true;
      assert.ok(found, "the read-only node still finds peers");
    } finally {
      await hidden.stop();
      await seen.stop();
    }
  },
});

Deno.test("dht.read_only is a config key, off by default", () => {
  const base = defaultConfig({ uid: 1000, home: "/home/x" });
  assert.equal(base.dht.readOnly, false);
  const on = mergeLayers(base, [validateLayer({ dht: { read_only: true } }, "test")]);
  assert.equal(on.dht.readOnly, true);
  assert.throws(() => validateLayer({ dht: { read_only: "yes" } }, "test"), /read_only/);
});
