import assert from "node:assert/strict";
import { ContentHasher, newHasher, sha256OfStream } from "../../src/hash/mod.ts";

const ABC = new TextEncoder().encode("abc");

Deno.test("newHasher() gives the standard digests of 'abc', incrementally", () => {
  const cases = {
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
    md5: "900150983cd24fb0d6963f7d28e17f72",
  } as const;
  for (const [algorithm, hex] of Object.entries(cases)) {
    const hasher = newHasher(algorithm as keyof typeof cases).update(ABC.subarray(0, 1)).update(
      ABC.subarray(1),
    );
    assert.equal(hasher.hexdigest(), hex);
    assert.ok(hasher.verify(hex.toUpperCase()));
    assert.equal(hasher.digest().length, hex.length / 2);
  }
});

Deno.test("ContentHasher verifies size and the strongest expected digest", () => {
  const sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const run = (expected: ConstructorParameters<typeof ContentHasher>[0]) => {
    const hasher = new ContentHasher(expected);
    hasher.update(ABC);
    return hasher.verdict();
  };
  assert.deepEqual(run({ size: 3, sha256: sha }), { ok: true });
  assert.deepEqual(run({ size: 4, sha256: sha }), { ok: false, reason: "size 3, expected 4" });
  assert.equal(run({ sha256: "0".repeat(64) }).ok, false);
  assert.deepEqual(run({ md5: "900150983cd24fb0d6963f7d28e17f72" }), { ok: true });
  assert.equal(run({ sha1: "0".repeat(40), md5: "900150983cd24fb0d6963f7d28e17f72" }).ok, false);
  // SHA512 alone (some Release files) is checked, and wins over SHA1/MD5.
  const sha512 =
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
  assert.deepEqual(run({ sha512, md5: "0".repeat(32) }), { ok: true });
  assert.equal(run({ sha512: "0".repeat(128), md5: "900150983cd24fb0d6963f7d28e17f72" }).ok, false);
  assert.deepEqual(run({}), { ok: true });
});

Deno.test("sha256OfStream() hashes a stream and counts its bytes", async () => {
  assert.deepEqual(await sha256OfStream(ReadableStream.from([ABC, ABC])), {
    sha256: "bbb59da3af939f7af5f360f2ceb80a496e3bae1cd87dde426db0ae40677e1c2c",
    size: 6,
  });
});
