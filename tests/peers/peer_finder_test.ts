import assert from "node:assert/strict";
import { PeerFinder } from "../../src/peers/mod.ts";
import { ShareMemory } from "../../src/peers/share_memory.ts";
import { FOUND_WAIT_FACTOR, PROBE_WAIT_MS, SHARED_MEMORY_MS } from "../../src/peers/constants.ts";
import { dhtKeyOf } from "../../src/peers/announcer.ts";
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
  const [looker, ...others] = network.nodes;
  const finder = new PeerFinder(looker, () => false, { waitMs: 1500 });
  // Every node but the looker answers 150 ms late: a lookup takes several such round trips.
  for (const socket of network.sockets.slice(1)) socket.delayMs = 150;

  const unheld = "ab".repeat(32);
  let started = performance.now();
  assert.deepEqual(await finder.find(unheld), []);
  const probeMs = performance.now() - started;
  assert.ok(probeMs < PROBE_WAIT_MS + 100, `nobody holds it: answered in ${probeMs.toFixed(0)} ms`);

  // A key the looker does not store itself (it would know at once): the lookup must travel.
  const holder = others[7];
  let held = "";
  for (let i = 0; i < 20 && !held; i++) {
    const candidate = i.toString(16).padStart(2, "0").repeat(32);
    await holder.announce(dhtKeyOf(candidate), 4242);
    if (looker.storedPeers(dhtKeyOf(candidate)).length === 0) held = candidate;
  }
  assert.ok(held, "some key is stored away from the looker");
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
});

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!done()) {
    if (performance.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
