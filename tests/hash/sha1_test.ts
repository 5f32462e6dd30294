import assert from "node:assert/strict";
import { sha1 } from "../../src/hash/mod.ts";

Deno.test("sha1() gives the FIPS 180 digest of 'abc', and hashes parts as if joined", () => {
  const abc = new TextEncoder().encode("abc");
  assert.equal(sha1(abc).toHex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.deepEqual(sha1("a", abc.subarray(1)), sha1(abc));
  assert.equal(sha1().length, 20);
});
