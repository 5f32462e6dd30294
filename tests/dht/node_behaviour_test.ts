/** Node behaviour that needs controlled addresses: memory sockets, no real traffic. */

import assert from "node:assert/strict";
import bencode from "bencode";
import { DhtNode, idToHex, randomId } from "../../src/dht/mod.ts";
import { isSecureId } from "../../src/dht/bep42.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import { ManualClock } from "../helpers/manual_clock.ts";
import { MemoryNetwork } from "../helpers/memory_socket.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a node takes a BEP 42 id once three nodes agree on its public address", async () => {
  const network = new MemoryNetwork();
  const node = new DhtNode({
    socket: network.socket("192.0.2.10", 6881),
    clock: new ManualClock(),
  });
  await node.start();
  const before = idToHex(node.id);
  for (let i = 1; i <= 3; i++) {
    const peer = network.socket(`198.51.100.${i}`, 6881);
    const pinged = node.ping(peer.local);
    await settle();
    const query = decodeMessage(network.sent.at(-1)!.data);
    // Each responder reports the address it saw us at (BEP 42 "ip").
    peer.send(
      encodeMessage({
        kind: "response",
        tid: query.tid,
        body: { id: randomId() },
        ip: { address: "203.0.113.77", port: 6881 },
      }),
      node.local,
    );
    await pinged;
    if (i < 3) assert.equal(idToHex(node.id), before, `changed after ${i} votes`);
  }
  assert.notEqual(idToHex(node.id), before);
  assert.ok(isSecureId(node.id, "203.0.113.77"));
  assert.equal(node.stats().publicAddress, "203.0.113.77");
  assert.equal(node.table.size, 3, "the table was rebuilt around the new id");
  await node.stop();
});

Deno.test("a get_peers reply for a hash with thousands of announced peers stays within 1472 bytes", async () => {
  const network = new MemoryNetwork();
  const socket = network.socket("10.0.0.1", 6881);
  const node = new DhtNode({ socket, clock: new ManualClock() });
  await node.start();
  const infoHash = randomId();
  const client = network.socket("10.200.0.1", 6881);
  for (let i = 0; i < 3000; i++) {
    // Each announcer from its own address: get a token, then announce.
    const from = { address: `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: 6881 };
    await socket.feed(
      bencode.encode({
        t: "g1",
        y: "q",
        q: "get_peers",
        a: { id: randomId(), info_hash: infoHash },
      }),
      from,
    );
    const reply = decodeMessage(
      network.sent.filter((s) => s.to.address === from.address).at(-1)!.data,
    );
    assert.equal(reply.kind, "response");
    const token = reply.kind === "response" ? reply.body.token! : new Uint8Array();
    await socket.feed(
      bencode.encode({
        t: "a1",
        y: "q",
        q: "announce_peer",
        a: { id: randomId(), info_hash: infoHash, port: 1000 + i, token },
      }),
      from,
    );
  }
  assert.equal(node.stats().storedPeers, 500, "capped per hash");
  const before = network.sent.length;
  await socket.feed(
    bencode.encode({ t: "zz", y: "q", q: "get_peers", a: { id: randomId(), info_hash: infoHash } }),
    client.local,
  );
  const reply = network.sent.slice(before).find((s) => s.to.address === client.local.address)!;
  assert.ok(reply.data.length <= 1472, `${reply.data.length} bytes`);
  const decoded = decodeMessage(reply.data);
  assert.ok(decoded.kind === "response" && decoded.body.values!.length > 50);
  await node.stop();
});

Deno.test("a lookup stops when its signal aborts", async () => {
  const network = new MemoryNetwork();
  const node = new DhtNode({ socket: network.socket("10.0.0.1", 6881), clock: new ManualClock() });
  await node.start();
  // One silent contact, so the lookup has something to wait for.
  const silent = network.socket("10.0.0.2", 6881);
  const pinged = node.ping(silent.local);
  await settle();
  const query = decodeMessage(network.sent.at(-1)!.data);
  silent.send(
    encodeMessage({ kind: "response", tid: query.tid, body: { id: randomId() } }),
    node.local,
  );
  await pinged;
  const controller = new AbortController();
  const lookup = node.findPeers(randomId(), { signal: controller.signal });
  const next = lookup.next();
  await settle();
  controller.abort(new Error("no longer needed"));
  await assert.rejects(next, /no longer needed/);
  await node.stop();
});
