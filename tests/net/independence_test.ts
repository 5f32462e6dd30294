import assert from "node:assert/strict";
import { independentParties } from "../../src/net/mod.ts";
import { networkOf } from "../../src/net/independence.ts";

Deno.test("independentParties() counts distinct /24 and /48 networks, IPv4-mapped as IPv4", () => {
  assert.equal(independentParties(["127.0.5.1", "127.0.5.200"]), 1);
  assert.equal(independentParties(["127.0.5.1", "127.0.6.1"]), 2);
  assert.equal(independentParties(["192.0.2.1", "::ffff:192.0.2.9"]), 1);
  assert.equal(independentParties(["2001:db8:1::1", "2001:db8:1:ffff::2"]), 1);
  assert.equal(independentParties(["2001:db8:1::1", "2001:db8:2::1", "198.51.100.1"]), 2);
  // One dual-stack host: an IPv4 and an IPv6 address are still one party.
  assert.equal(independentParties(["198.51.100.1", "2001:db8:1::1"]), 1);
  assert.equal(independentParties([]), 0);
  assert.notEqual(networkOf("10.0.0.1"), networkOf("::a00:1"), "v4 and v6 never share a network");
});
