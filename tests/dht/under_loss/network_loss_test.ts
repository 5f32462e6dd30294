/**
 * Many nodes on loopback UDP with 20% of packets lost. In this folder: its
 * figures are retransmissions and lookups on the real clock, which a loaded
 * machine skews, so `deno task test` runs it alone after the rest.
 */

import assert from "node:assert/strict";
import { randomId } from "../../../src/dht/mod.ts";
import { finds, startDhtNetwork } from "../../helpers/dht_network.ts";

Deno.test({
  name:
    "with 20% of packets lost, announces and lookups succeed (other nodes asked, lost queries sent again)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(100);
    network.setLoss(0.2);
    const { nodes } = network;
    const keys = Array.from({ length: 5 }, () => randomId());
    const announced = await Promise.all(
      keys.map((key, i) => nodes[(i * 31) % 100].announce(key, 20_000 + i)),
    );
    // Stored on several of the closest nodes; how many depends on which packets were lost
    // (3 of 8 has been seen), so what must hold is that every lookup below finds it.
    assert.ok(announced.every((a) => a.stored >= 1), JSON.stringify(announced));
    const everywhere = await Promise.all(announced.map((a) => a.allStored));
    assert.ok(everywhere.every((n) => n >= 2), JSON.stringify(everywhere));
    const lookups = nodes.slice(0, 40).map((node, i) => finds(node, keys[i % 5], 20_000 + (i % 5)));
    const found = await Promise.all(lookups);
    assert.equal(found.filter(Boolean).length, 40, `found ${found.filter(Boolean).length} of 40`);
    const dropped = network.sockets.reduce((n, s) => n + s.dropped, 0);
    const retransmissions = nodes.reduce((n, node) => n + node.stats().counters.retransmissions, 0);
    // Lookups ask other nodes a few round trips after a lost query (the stale mark) and end before
    // most retransmissions are due; stores and the queries a lookup still waits on are sent again.
    assert.ok(
      dropped > 50 && retransmissions > 5,
      `${dropped} dropped, ${retransmissions} retransmitted`,
    );
  },
});
