import assert from "node:assert/strict";
import { randomId } from "../../src/dht/mod.ts";
import { compareDistance, randomIdInBucket } from "../../src/dht/node_id.ts";
import { RoutingTable } from "../../src/dht/routing_table.ts";
import { estimateFromLookup, SizeEstimator } from "../../src/dht/size_estimate.ts";
import { ItemStore, PeerStore } from "../../src/dht/storage.ts";
import { TokenManager } from "../../src/dht/tokens.ts";
import { ManualClock } from "../helpers/manual_clock.ts";

Deno.test("TokenManager: a token stays valid for one rotation more, then expires; it is bound to the address", () => {
  const clock = new ManualClock();
  const tokens = new TokenManager(() => clock.now());
  const token = tokens.issue("1.2.3.4");
  assert.ok(tokens.check("1.2.3.4", token));
  assert.ok(!tokens.check("1.2.3.5", token));
  clock.advance(5 * 60_000 + 1);
  assert.ok(tokens.check("1.2.3.4", token), "previous secret still valid");
  clock.advance(5 * 60_000);
  assert.ok(!tokens.check("1.2.3.4", token), "two rotations later");
});

Deno.test("RoutingTable splits only the bucket holding its own id", () => {
  const clock = new ManualClock();
  const own = randomId();
  const table = new RoutingTable(own, () => clock.now());
  // 8 far nodes (first bit differs) fill bucket 0; more far nodes do not split it.
  for (let i = 0; i < 12; i++) {
    table.insert({ id: randomIdInBucket(own, 0), address: `10.0.0.${i}`, port: 1 });
  }
  assert.equal(table.size, 8);
  // Nodes near us split the own bucket as needed.
  for (let depth = 1; depth < 6; depth++) {
    for (let i = 0; i < 8; i++) {
      table.insert({ id: randomIdInBucket(own, depth), address: `10.${depth}.0.${i}`, port: 1 });
    }
  }
  assert.equal(table.size, 48);
  assert.ok(table.bucketCount >= 6);
  const buckets = table.describe();
  assert.equal(buckets[0].ids.length, 8);
  assert.equal(buckets[0].replacements, 4);
});

Deno.test("RoutingTable: a full bucket asks for its questionable node to be pinged, and replaces failed nodes", () => {
  const clock = new ManualClock();
  const own = randomId();
  const table = new RoutingTable(own, () => clock.now());
  const far = Array.from(
    { length: 8 },
    (_, i) => ({ id: randomIdInBucket(own, 0), address: `10.0.0.${i}`, port: 1 }),
  );
  for (const contact of far) table.insert(contact);
  const newcomer = { id: randomIdInBucket(own, 0), address: "10.0.1.1", port: 1 };
  assert.equal(table.insert(newcomer).kind, "cached");
  clock.advance(16 * 60_000);
  const result = table.insert({ id: randomIdInBucket(own, 0), address: "10.0.1.2", port: 1 });
  assert.equal(result.kind, "ping");
  // The questionable node does not answer: it goes, the newest replacement takes its place.
  if (result.kind === "ping") table.remove(result.questionable.id);
  assert.equal(table.size, 8);
  assert.ok(table.has(far[1].id) || table.has(far[0].id));
  // Failures: a node that fails twice is replaced.
  table.fail(far[3].id);
  table.fail(far[3].id);
  assert.ok(!table.has(far[3].id));
  assert.equal(table.size, 8);
});

Deno.test("RoutingTable.closest() orders by distance and skips bad nodes", () => {
  const clock = new ManualClock();
  const table = new RoutingTable(randomId(), () => clock.now());
  const contacts = Array.from(
    { length: 40 },
    (_, i) => ({ id: randomId(), address: `10.0.0.${i}`, port: 1 }),
  );
  for (const c of contacts) table.insert(c);
  const target = randomId();
  const closest = table.closest(target, 5);
  for (let i = 1; i < closest.length; i++) {
    assert.ok(compareDistance(target, closest[i - 1].id, closest[i].id) < 0);
  }
});

Deno.test("PeerStore expires, refreshes, and caps per hash, per source and in total, oldest first", () => {
  const clock = new ManualClock();
  const store = new PeerStore(() => clock.now(), {
    maxKeys: 3,
    maxPerKey: 4,
    maxPerSource: 5,
    ttlMs: 1000,
  });
  const hashes = [randomId(), randomId(), randomId(), randomId()];
  for (let i = 0; i < 6; i++) store.add(hashes[0], { address: `10.0.0.${i}`, port: 1 }, `s${i}`);
  assert.equal(store.get(hashes[0]).length, 4); // the two oldest went
  assert.deepEqual(store.get(hashes[0]).map((p) => p.address), [
    "10.0.0.5",
    "10.0.0.4",
    "10.0.0.3",
    "10.0.0.2",
  ]);
  for (let i = 0; i < 7; i++) store.add(hashes[1], { address: `10.1.0.${i}`, port: 1 }, "greedy");
  assert.equal(store.get(hashes[1]).length, 4);
  assert.ok(store.add(hashes[2], { address: "10.2.0.1", port: 1 }, "x"));
  store.add(hashes[3], { address: "10.3.0.1", port: 1 }, "y");
  assert.equal(store.keys, 3); // the oldest hash was dropped
  assert.equal(store.get(hashes[0]).length, 0);
  clock.advance(1001);
  assert.equal(store.get(hashes[3]).length, 0);
  store.expire();
  assert.equal(store.size, 0);
});

Deno.test("PeerStore caps peers in all: the oldest hash's oldest peer goes first", () => {
  const store = new PeerStore(() => 0, { maxTotal: 5, maxPerSource: 100 });
  const [a, b] = [randomId(), randomId()];
  for (let i = 0; i < 3; i++) store.add(a, { address: `10.0.0.${i}`, port: 1 }, "s");
  for (let i = 0; i < 4; i++) store.add(b, { address: `10.1.0.${i}`, port: 1 }, "s");
  assert.equal(store.size, 5);
  assert.deepEqual(store.get(a).map((p) => p.address), ["10.0.0.2"]);
  assert.equal(store.get(b).length, 4);
  // One hash alone at the cap: it sheds its own oldest and stays.
  const single = new PeerStore(() => 0, { maxTotal: 2, maxPerSource: 100, maxPerKey: 10 });
  for (let i = 0; i < 3; i++) single.add(a, { address: `10.2.0.${i}`, port: 1 }, "s");
  assert.deepEqual(single.get(a).map((p) => p.address), ["10.2.0.2", "10.2.0.1"]);
});

Deno.test("PeerStore per-source cap refuses the excess", () => {
  const clock = new ManualClock();
  const store = new PeerStore(() => clock.now(), { maxPerSource: 3 });
  const results = Array.from(
    { length: 5 },
    () => store.add(randomId(), { address: "10.0.0.1", port: 1 }, "10.0.0.1"),
  );
  assert.deepEqual(results, [true, true, true, false, false]);
});

Deno.test("ItemStore keeps items until they expire and caps them", () => {
  const clock = new ManualClock();
  const store = new ItemStore(() => clock.now(), { maxItems: 2, maxPerSource: 10, ttlMs: 100 });
  const keys = [randomId(), randomId(), randomId()];
  keys.forEach((k, i) => store.put(k, Uint8Array.of(i), "s"));
  assert.equal(store.size, 2);
  assert.equal(store.get(keys[0]), undefined);
  assert.deepEqual(store.get(keys[2]), Uint8Array.of(2));
  clock.advance(101);
  assert.equal(store.get(keys[2]), undefined);
});

Deno.test("the size estimate is within a factor 1.5 of the truth for networks of 100 to 10,000 nodes", () => {
  for (const n of [100, 1000, 10_000]) {
    const ids = Array.from({ length: n }, () => randomId());
    const estimator = new SizeEstimator();
    for (let i = 0; i < 100; i++) {
      const target = randomId();
      const closest = [...ids].sort((a, b) => compareDistance(target, a, b)).slice(0, 8);
      estimator.add(target, closest);
    }
    const estimate = estimator.estimate!;
    assert.ok(estimate > n / 1.5 && estimate < n * 1.5, `${estimate} for ${n}`);
  }
  assert.equal(estimateFromLookup(randomId(), [randomId()]), undefined);
});
