import assert from "node:assert/strict";
import { DhtNode, randomId } from "../../src/dht/mod.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import { ManualClock } from "../helpers/manual_clock.ts";
import { MemoryNetwork } from "../helpers/memory_socket.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a query is retransmitted with the same id after 2 s and 4 s more, and times out at 14 s", async () => {
  const network = new MemoryNetwork();
  const clock = new ManualClock();
  const node = new DhtNode({ socket: network.socket("10.0.0.1", 1000), clock });
  await node.start();
  network.socket("10.0.0.2", 2000); // exists, never answers
  let outcome: unknown;
  const pinged = node.ping({ address: "10.0.0.2", port: 2000 }).then((v) =>
    outcome = v ?? "no answer"
  );
  await settle();
  const sends = () =>
    network.sent.filter((s) => s.to.port === 2000).map((s) => decodeMessage(s.data));
  assert.equal(sends().length, 1);
  clock.advance(1999);
  assert.equal(sends().length, 1);
  clock.advance(1);
  assert.equal(sends().length, 2);
  clock.advance(4000);
  assert.equal(sends().length, 3);
  assert.deepEqual(sends()[2].tid, sends()[0].tid, "same transaction id");
  clock.advance(7999);
  await settle();
  assert.equal(outcome, undefined);
  clock.advance(1);
  await pinged;
  assert.equal(outcome, "no answer");
  assert.equal(sends().length, 3);
  assert.equal(node.stats().counters.retransmissions, 2);
  assert.equal(node.stats().counters.timeouts, 1);
  await node.stop();
});

Deno.test("any reply from the queried address and port settles a query; others and duplicates are ignored", async () => {
  const network = new MemoryNetwork();
  const clock = new ManualClock();
  const node = new DhtNode({ socket: network.socket("10.0.0.1", 1000), clock });
  await node.start();
  const peer = network.socket("10.0.0.2", 2000);
  const impostor = network.socket("10.0.0.2", 2001);
  const pinged = node.ping({ address: "10.0.0.2", port: 2000 });
  await settle();
  clock.advance(2000); // a retransmission: the reply to either copy settles it
  const query = decodeMessage(network.sent.at(-1)!.data);
  const reply = encodeMessage({ kind: "response", tid: query.tid, body: { id: randomId() } });
  const local = { address: "10.0.0.1", port: 1000 };
  impostor.send(reply, local); // right tid, wrong port: ignored
  await settle();
  peer.send(reply, local);
  peer.send(reply, local); // duplicate: ignored
  const id = await pinged;
  assert.ok(id);
  await settle();
  assert.equal(node.stats().counters.unexpected, 2);
  assert.equal(node.table.size, 1);
  await node.stop();
});

Deno.test("stopping a node fails its pending queries at once", async () => {
  const network = new MemoryNetwork();
  const node = new DhtNode({ socket: network.socket("10.0.0.1", 1000), clock: new ManualClock() });
  await node.start();
  network.socket("10.0.0.2", 2000);
  let answered: unknown = "pending";
  const pinged = node.ping({ address: "10.0.0.2", port: 2000 }).then((id) => answered = id);
  await settle();
  assert.equal(answered, "pending");
  await node.stop(); // no clock advance: the stop itself ends the query
  await pinged;
  assert.equal(answered, undefined);
  assert.equal(node.stats().pendingQueries, 0);
});

Deno.test("a node stopped while it is still joining schedules nothing afterwards", async () => {
  const network = new MemoryNetwork();
  const clock = new ManualClock();
  network.socket("10.0.0.2", 2000); // a bootstrap node that never answers
  const node = new DhtNode({
    socket: network.socket("10.0.0.1", 1000),
    clock,
    bootstrap: [{ address: "10.0.0.2", port: 2000 }],
  });
  const joining = node.start();
  await settle();
  await node.stop(); // the ping to the bootstrap node fails at once, the join goes on to its end
  await joining;
  assert.equal(clock.pendingTimers, 0, "no maintenance timer left behind");
});
