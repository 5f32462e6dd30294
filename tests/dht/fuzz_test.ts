/**
 * Fuzzing the message decoder and the handlers: random and mutated packets
 * never throw out of the node, never get a reply over 1472 bytes, and a
 * malformed packet never gets a reply much larger than itself. Anything
 * that decodes re-encodes to a message that decodes the same.
 */

import assert from "node:assert/strict";
import bencode from "bencode";
import { decodeMessage, DhtNode, encodeMessage, randomId } from "../../src/dht/mod.ts";
import { ManualClock } from "../helpers/manual_clock.ts";
import { Logger } from "../../src/log/mod.ts";
import { MemoryNetwork } from "../helpers/memory_socket.ts";

function prng(seed: number): () => number {
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
}

const id = randomId();
const SEEDS: Uint8Array[] = [
  { t: "aa", y: "q", q: "ping", a: { id } },
  { t: "ab", y: "q", q: "find_node", a: { id, target: randomId(), want: ["n4", "n6"] } },
  { t: "ac", y: "q", q: "get_peers", a: { id, info_hash: randomId() } },
  {
    t: "ad",
    y: "q",
    q: "announce_peer",
    a: { id, info_hash: randomId(), port: 9977, token: "12345678", implied_port: 1 },
  },
  { t: "ae", y: "q", q: "get", a: { id, target: randomId() } },
  { t: "af", y: "q", q: "put", a: { id, v: "a value", token: "12345678" } },
  {
    t: "ag",
    y: "r",
    r: { id, nodes: new Uint8Array(26), values: [new Uint8Array(6)], token: "x" },
  },
  { t: "ah", y: "e", e: [201, "A Generic Error Ocurred"] },
].map((m) => bencode.encode(m));

function mutate(packet: Uint8Array, random: () => number): Uint8Array {
  const bytes = Array.from(packet);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (bytes.length + 1));
    switch (Math.floor(random() * 5)) {
      case 0:
        bytes[at] = Math.floor(random() * 256);
        break;
      case 1:
        bytes.splice(at, 1);
        break;
      case 2:
        bytes.splice(at, 0, Math.floor(random() * 256));
        break;
      case 3:
        bytes.length = Math.min(bytes.length, at); // truncate
        break;
      case 4:
        bytes.splice(at, 0, ..."i9999999999999999999e1:x".split("").map((c) => c.charCodeAt(0)));
    }
  }
  return Uint8Array.from(bytes);
}

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
  const random = prng(20261121);
  let decoded = 0;
  for (let i = 0; i < 20_000; i++) {
    const packet = i % 5 === 0
      ? Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256))
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
  const ping = bencode.encode({ t: "aa", y: "q", q: "ping", a: { id } });
  for (let i = 0; i < 1000; i++) await socket.feed(ping, { address: "10.9.9.9", port: 6881 });
  const answered = network.sent.filter((s) => s.to.address === "10.9.9.9").length;
  assert.ok(answered <= 100 + 1, `${answered} answered`);
  assert.ok(node.stats().counters.rateLimited >= 899);
  await node.stop();
});
