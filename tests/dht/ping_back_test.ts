/**
 * A querier is pinged back only when it could enter the routing table, and
 * once: a node with full buckets no longer answers every query from a
 * stranger with a ping of its own.
 */

import assert from "node:assert/strict";
import { randomId } from "../../src/dht/mod.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";

Deno.test({
  name: "queries from 150 strangers, 3 each: pings back only for those that could enter, once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(30);
    const target = network.nodes[0];
    const to = {
      transport: "udp" as const,
      hostname: target.local.address,
      port: target.local.port,
    };
    const strangers = Array.from({ length: 150 }, (_, i) => ({
      id: randomId(),
      socket: Deno.listenDatagram({ transport: "udp", hostname: `127.0.14.${i + 1}`, port: 0 }),
    }));
    let pingsReceived = 0;
    // Each stranger answers pings, as a live node would.
    const answering = strangers.map(async ({ id, socket }) => {
      try {
        for await (const [data] of socket) {
          const message = decodeMessage(data.slice());
          if (message.kind !== "query" || message.method !== "ping") continue;
          pingsReceived++;
          await socket.send(
            encodeMessage({ kind: "response", tid: message.tid, body: { id } }),
            to,
          );
        }
      } catch { /* closed */ }
    });
    const sentBefore = target.stats().counters.queriesSent.ping ?? 0;
    try {
      let queries = 0;
      for (let round = 0; round < 3; round++) {
        for (const { id, socket } of strangers) {
          const query = encodeMessage({
            kind: "query",
            tid: crypto.getRandomValues(new Uint8Array(2)),
            method: "find_node",
            args: { id, target: randomId() },
          });
          await socket.send(query, to);
          queries++;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      const pings = (target.stats().counters.queriesSent.ping ?? 0) - sentBefore;
      console.log(
        `${queries} queries from strangers, ${pings} pings back (${pingsReceived} received)`,
      );
      assert.ok(pings <= strangers.length, `${pings} pings: some stranger was pinged twice`);
      assert.ok(pings < queries / 5, `${pings} pings for ${queries} queries`);
    } finally {
      for (const { socket } of strangers) socket.close();
      await Promise.all(answering);
    }
  },
});
