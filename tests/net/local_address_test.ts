import assert from "node:assert/strict";
import { isLocalAddress } from "../../src/net/mod.ts";

Deno.test("isLocalAddress() knows loopback and this machine's interfaces, nothing else", () => {
  const interfaces = () => [{ address: "192.168.1.5" }, { address: "fe80::1" }];
  for (const yes of ["127.0.0.1", "127.1.2.3", "::1", "192.168.1.5", "fe80::1"]) {
    assert.equal(isLocalAddress(yes, interfaces), true, yes);
  }
  for (const no of ["192.168.1.6", "10.0.0.1", "::2"]) {
    assert.equal(isLocalAddress(no, interfaces), false, no);
  }
});

Deno.test("isLocalAddress() counts only loopback when the interfaces cannot be listed", () => {
  const denied = () => {
    throw new Deno.errors.NotCapable("sys");
  };
  assert.equal(isLocalAddress("127.0.0.1", denied), true);
  assert.equal(isLocalAddress("192.168.1.5", denied), false);
});
