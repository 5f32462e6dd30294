/**
 * A seeded KRPC fuzz on real UDP against a DHT node in its own process:
 * mutated queries, signs over lengths, the inputs that froze the npm
 * decoder, nesting bombs and 60 KB datagrams of tiny items. Its event loop
 * is never held up more than 100 ms, and it still answers a ping. Replay
 * a failure with FUZZ_SEED. Bounded: 12,000 datagrams, about 3 s.
 */

import assert from "node:assert/strict";
import { startFloodTarget } from "../helpers/flood_target.ts";
import { hostileDatagrams } from "../helpers/hostile_datagrams.ts";
import { answersPing } from "../helpers/udp_ping.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 29);
const DATAGRAMS = 12_000;
const SOURCES = 40;
/** Datagrams sent before the sender yields: paced, so loopback's buffers do not drop them all. */
const BURST = 40;

Deno.test({
  name: `KRPC fuzz (seed ${SEED}): the event loop is never held up more than 100 ms`,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using target = await startFloodTarget();
    const sockets = Array.from(
      { length: SOURCES },
      (_, i) => Deno.listenDatagram({ transport: "udp", hostname: `127.0.5.${1 + i}`, port: 0 }),
    );
    try {
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: target.port };
      const before = await target.measure();
      const next = hostileDatagrams(SEED);
      let bytes = 0;
      for (let i = 0; i < DATAGRAMS; i++) {
        const datagram = next();
        bytes += datagram.length;
        await sockets[i % SOURCES].send(datagram, to).catch(() => {}); // too large for UDP: skipped
        if (i % BURST === BURST - 1) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // let it read what is queued
      const after = await target.measure();
      const received = after.packetsIn - before.packetsIn;
      const malformed = after.malformed - before.malformed;
      console.log(
        `seed ${SEED}: ${DATAGRAMS} sent (${bytes} bytes), ${received} read, ${malformed} malformed, longest stall ${after.longestStallMs} ms`,
      );
      assert.ok(received > DATAGRAMS / 2, `only ${received} of ${DATAGRAMS} read`);
      assert.ok(malformed > received / 4, `${malformed} malformed of ${received}`);
      assert.ok(after.longestStallMs < 100, `seed ${SEED}: a stall of ${after.longestStallMs} ms`);
      // Still answering a ping.
      assert.ok(await answersPing(sockets[0], to), "no answer to a ping after the fuzz");
    } finally {
      for (const socket of sockets) socket.close();
    }
  },
});
