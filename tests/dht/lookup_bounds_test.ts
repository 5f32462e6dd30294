/**
 * A node that answers every query with 32 made-up nodes, each closer to
 * the target than any before, would keep a lookup going for ever: the
 * lookup stops at MAX_LOOKUP_QUERIES, keeping at most MAX_LOOKUP_CANDIDATES.
 */

import assert from "node:assert/strict";
import { DhtNode, type NodeId, randomId } from "../../src/dht/mod.ts";
import { MAX_LOOKUP_QUERIES } from "../../src/dht/constants.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import { ManualClock } from "../helpers/manual_clock.ts";
import { MemoryNetwork } from "../helpers/memory_socket.ts";

/** `target` XOR `distance`: ids at a chosen distance from the target. */
function atDistance(target: NodeId, distance: bigint): NodeId {
  const id = new Uint8Array(target);
  for (let i = 19; i >= 0 && distance > 0n; i--, distance >>= 8n) id[i] ^= Number(distance & 0xffn);
  return id;
}

Deno.test("a lookup fed ever closer made-up nodes stops after its bounded number of queries", async () => {
  const network = new MemoryNetwork();
  const node = new DhtNode({ socket: network.socket("10.0.0.1", 6881), clock: new ManualClock() });
  await node.start();
  const target = randomId();
  const sybil = network.socket("10.0.0.66", 6881);
  let made = 0n;
  let queries = 0;
  const answering = (async () => {
    for await (const { data, from } of sybil.receive()) {
      const query = decodeMessage(data);
      if (query.kind !== "query") continue;
      queries++;
      // Each answer: 32 nodes, all closer than every one named before, all at this address.
      const nodes = Array.from({ length: 32 }, () => ({
        id: atDistance(target, 2n ** 150n - ++made),
        address: "10.0.0.66",
        port: 6881,
      }));
      await sybil.send(
        encodeMessage({
          kind: "response",
          tid: query.tid,
          body: { id: atDistance(target, 2n ** 151n), nodes },
        }),
        from,
      );
    }
  })();
  assert.ok(await node.ping({ address: "10.0.0.66", port: 6881 }));
  queries = 0;
  const result = await node.findNode(target);
  assert.ok(result.queried <= MAX_LOOKUP_QUERIES, `${result.queried} queries`);
  assert.ok(queries <= MAX_LOOKUP_QUERIES, `${queries} queries reached the made-up nodes`);
  assert.ok(queries >= MAX_LOOKUP_QUERIES / 2, `only ${queries}: the bound is not what stopped it`);
  await node.stop();
  sybil.close();
  await answering;
});
