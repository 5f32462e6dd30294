/**
 * Fuzzing the message decoder and the handlers: random and mutated packets
 * never throw out of the node, never get a reply over 1472 bytes, and a
 * malformed packet never gets a reply much larger than itself. Anything
 * that decodes re-encodes to a message that decodes the same.
 */

import assert from "node:assert/strict";
import { DhtNode } from "../../src/dht/mod.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import { ManualClock } from "../helpers/manual_clock.ts";
import { Logger } from "../../src/log/mod.ts";
import { MemoryNetwork } from "../helpers/memory_socket.ts";
import { krpcSeeds, mutate } from "../helpers/hostile_datagrams.ts";
import { seededRandom } from "../helpers/seeded_random.ts";

const SEEDS = krpcSeeds();

Deno.test("fuzz: random and mutated packets never escape the node, and replies stay small", async () => {
  const network = new MemoryNetwork();
  const socket = network.socket("10.0.0.1", 1000);
  // The receive loop logs what escapes the handlers: that must never happen.
  const escaped: string[] = [];
  const log = new Logger(
    "debug",
    (line) => line.includes("dht.socket_error") && escaped.push(line),
  );
  const node = new DhtNode({ socket, clock: new ManualClock(), log });
  await node.start();
  const random = seededRandom(20261121);
  let decoded = 0;
  for (let i = 0; i < 20_000; i++) {
    const packet = i % 5 === 0
      ? Uint8Array.from({ length: random.int(200) }, () => random.int(256))
      : i % 10 === 1
      ? SEEDS[i % SEEDS.length] // valid ones too, so the handlers run with every state the junk left
      : mutate(SEEDS[i % SEEDS.length], random);
    // Each packet from its own address, so the rate limiter does not hide the handlers.
    const from = { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 6881 };
    const before = network.sent.length;
    await socket.feed(packet, from);
    assert.deepEqual(escaped, []);
    // What we sent back: at most one reply (our own ping of a new querier is not a reply).
    const replies = network.sent.slice(before).filter((s) =>
      decodeMessage(s.data).kind !== "query"
    );
    assert.ok(replies.length <= 1);
    let valid = true;
    try {
      const message = decodeMessage(packet);
      decoded++;
      // What decodes re-encodes, and decodes again to the same message.
      assert.deepEqual(decodeMessage(encodeMessage(message)), message);
    } catch {
      valid = false;
    }
    for (const reply of replies) {
      assert.ok(reply.data.length <= 1472, `reply of ${reply.data.length} bytes`);
      if (!valid) {
        assert.ok(
          reply.data.length <= packet.length * 4,
          `${reply.data.length} for ${packet.length} bytes of junk`,
        );
      }
    }
  }
  const counters = node.stats().counters;
  assert.ok(decoded > 2400, `only ${decoded} packets decoded`);
  assert.ok(counters.malformed > 5000);
  await node.stop();
});

Deno.test("a flood from one address is rate-limited, and the limiter's memory is bounded", async () => {
  const network = new MemoryNetwork();
  const socket = network.socket("10.0.0.1", 1000);
  const node = new DhtNode({ socket, clock: new ManualClock() });
  await node.start();
  const ping = SEEDS[0];
  for (let i = 0; i < 1000; i++) await socket.feed(ping, { address: "10.9.9.9", port: 6881 });
  const answered = network.sent.filter((s) => s.to.address === "10.9.9.9").length;
  assert.ok(answered <= 100 + 1, `${answered} answered`);
  assert.ok(node.stats().counters.rateLimited >= 899);
  await node.stop();
});
