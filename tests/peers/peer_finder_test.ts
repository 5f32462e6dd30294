import assert from "node:assert/strict";
import { PeerFinder } from "../../src/peers/mod.ts";
import { ShareMemory } from "../../src/peers/share_memory.ts";
import { FOUND_WAIT_FACTOR, PROBE_WAIT_MS, SHARED_MEMORY_MS } from "../../src/peers/constants.ts";
import { dhtKeyOf } from "../../src/peers/announcer.ts";
import { DhtNode, UdpSocket } from "../../src/dht/mod.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";

Deno.test("the wait for peers is a short probe until lookups find some, then a few times their usual time", () => {
  let now = 0;
  const memory = new ShareMemory(() => now);
  assert.equal(memory.waitMs(300), PROBE_WAIT_MS, "nothing known: a probe");
  for (let i = 0; i < 50; i++) memory.record(undefined);
  assert.equal(memory.waitMs(300), PROBE_WAIT_MS, "nobody found: still a probe");
  memory.record(4);
  assert.equal(memory.waitMs(300), PROBE_WAIT_MS, "a LAN peer in 4 ms: the probe covers it");
  for (let i = 0; i < 40; i++) memory.record(100 + i);
  const wait = memory.waitMs(300);
  assert.ok(wait >= FOUND_WAIT_FACTOR * 130 && wait <= 300, `peers found in 100-140 ms: ${wait}`);
  memory.record(5000);
  for (let i = 0; i < 10; i++) memory.record(400);
  assert.equal(memory.waitMs(300), 300, "never past peers.wait");
  now += SHARED_MEMORY_MS + 1;
  assert.equal(memory.waitMs(300), PROBE_WAIT_MS, "finds half an hour old are forgotten");
  assert.equal(memory.lookups, 102);
  assert.equal(memory.foundPeers, 52);
});

Deno.test("a file nobody holds costs a probe, not peers.wait; peers slow to find are waited for once seen", async () => {
  await using network = await startDhtNetwork(30);
  // The looker is read-only (BEP 43): no node keeps it, so none stores a key with it and its
  // lookups must travel, as from a node behind NAT.
  const looker = new DhtNode({
    socket: new UdpSocket("127.0.9.1", 0),
    bootstrap: [network.nodes[0].local],
    readOnly: true,
  });
  await looker.start();
  const finder = new PeerFinder(looker, () => false, { waitMs: 1500 });
  // Every other node answers 150 ms late: a lookup takes several such round trips.
  network.setDelay(150);

  const unheld = "ab".repeat(32);
  let started = performance.now();
  assert.deepEqual(await finder.find(unheld), []);
  const probeMs = performance.now() - started;
  assert.ok(probeMs < PROBE_WAIT_MS + 100, `nobody holds it: answered in ${probeMs.toFixed(0)} ms`);

  const held = "cd".repeat(32);
  await network.nodes[7].announce(dhtKeyOf(held), 4242);
  assert.equal(looker.storedPeers(dhtKeyOf(held)).length, 0, "the looker stores nothing");
  started = performance.now();
  const first = await finder.find(held);
  assert.ok(performance.now() - started < PROBE_WAIT_MS + 100, "the first look is a probe too");
  assert.equal(first.length, 0, "too soon for a peer 150 ms a hop away");
  // The lookup goes on in the background and learns that peers here take a few round trips.
  await waitUntil(() => finder.memory.foundPeers === 1, 3000);
  assert.ok(finder.memory.waitMs(1500) > 300, `now waits ${finder.memory.waitMs(1500)} ms`);
  const second = await finder.find(held);
  assert.deepEqual(second.map((p) => p.port), [4242], "found, now that the wait fits this network");
  await new Promise((resolve) => setTimeout(resolve, 1600)); // the background lookups end
  await looker.stop();
});

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!done()) {
    if (performance.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
