import assert from "node:assert/strict";
import { idFromHex, idToHex, randomId } from "../../src/dht/mod.ts";
import {
  commonPrefixLength,
  compareDistance,
  distance,
  randomIdInBucket,
} from "../../src/dht/node_id.ts";

const id = (hex: string) => idFromHex(hex.padEnd(40, "0"));

Deno.test("distance() is XOR and compareDistance() orders by it", () => {
  const a = id("ff"), b = id("0f"), target = id("00");
  assert.equal(idToHex(distance(a, b)), "f0".padEnd(40, "0"));
  assert.ok(compareDistance(target, b, a) < 0);
  assert.ok(compareDistance(target, a, b) > 0);
  assert.equal(compareDistance(target, a, a), 0);
});

Deno.test("commonPrefixLength() counts shared leading bits", () => {
  assert.equal(commonPrefixLength(id("80"), id("00")), 0);
  assert.equal(commonPrefixLength(id("01"), id("00")), 7);
  assert.equal(commonPrefixLength(id("0000ff"), id("000080")), 17);
  const x = randomId();
  assert.equal(commonPrefixLength(x, x), 160);
});

Deno.test("randomIdInBucket() shares exactly the asked prefix", () => {
  const base = randomId();
  for (const depth of [0, 1, 7, 8, 31, 100, 159]) {
    for (let i = 0; i < 20; i++) {
      assert.equal(commonPrefixLength(base, randomIdInBucket(base, depth)), depth);
    }
  }
});

Deno.test("idFromHex() rejects anything but 40 hex digits", () => {
  assert.throws(() => idFromHex("abc"));
  assert.throws(() => idFromHex("g".repeat(40)));
  assert.equal(idToHex(idFromHex("AB".repeat(20))), "ab".repeat(20));
});
