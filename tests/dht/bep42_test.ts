import assert from "node:assert/strict";
import { idFromHex } from "../../src/dht/mod.ts";
import { isExemptFromBep42, isSecureId, secureId } from "../../src/dht/bep42.ts";

// The test vectors of BEP 42: address, r, and an id that is valid for them.
const VECTORS: [string, number, string][] = [
  ["124.31.75.21", 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"],
  ["21.75.31.124", 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256"],
  ["65.23.51.170", 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616"],
  ["84.124.73.14", 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41"],
  ["43.213.53.83", 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a"],
];

Deno.test("isSecureId() accepts the BEP 42 test vectors and rejects them for other addresses", () => {
  for (const [address, r, hex] of VECTORS) {
    const id = idFromHex(hex);
    assert.equal(id[19], r);
    assert.ok(isSecureId(id, address), address);
    assert.ok(!isSecureId(id, "1.2.3.4"), `${address} id for another address`);
  }
});

Deno.test("secureId() reproduces the vectors' 21-bit prefixes and makes valid ids for v4 and v6", () => {
  for (const [address, r, hex] of VECTORS) {
    const random = new Uint8Array(20);
    random[19] = r;
    const made = secureId(address, random);
    const want = idFromHex(hex);
    assert.deepEqual(
      [made[0], made[1], made[2] & 0xf8],
      [want[0], want[1], want[2] & 0xf8],
      address,
    );
  }
  for (const address of ["8.8.8.8", "2001:db8::1", "2a00:1450:4001:80b::200e"]) {
    assert.ok(isSecureId(secureId(address), address), address);
  }
});

Deno.test("isExemptFromBep42() covers loopback, private, link-local and unique-local ranges", () => {
  for (
    const address of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
    ]
  ) {
    assert.ok(isExemptFromBep42(address), address);
  }
  for (const address of ["8.8.8.8", "172.32.0.1", "2001:db8::1", "193.168.1.1"]) {
    assert.ok(!isExemptFromBep42(address), address);
  }
});
