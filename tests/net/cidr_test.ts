import assert from "node:assert/strict";
import { addressInAny, parseAuthority, parseCidr, parseIPv6 } from "../../src/net/mod.ts";
import { CidrSet } from "../../src/net/cidr.ts";

Deno.test("addressInAny() matches IPv4, IPv6 and v4-mapped clients against CIDR blocks", () => {
  const blocks = ["127.0.0.0/8", "::1", "192.168.1.0/24", "fd00::/8"].map((t) => parseCidr(t)!);
  for (
    const yes of [
      "127.0.0.1",
      "127.255.0.9",
      "::1",
      "192.168.1.77",
      "::ffff:127.0.0.1",
      "fd12:3456::1",
    ]
  ) {
    assert.ok(addressInAny(yes, blocks), yes);
  }
  for (const no of ["128.0.0.1", "::2", "192.168.2.1", "10.0.0.1", "fe80::1", "not-an-ip", ""]) {
    assert.ok(!addressInAny(no, blocks), no);
  }
  assert.ok(addressInAny("8.8.8.8", [parseCidr("0.0.0.0/0")!]));
  assert.ok(!addressInAny("::2", [parseCidr("0.0.0.0/0")!]));
});

Deno.test("CidrSet matches v4-mapped clients in either notation, and v4 clients against mapped rules", () => {
  const v4Rule = new CidrSet([parseCidr("10.0.0.0/8")!]);
  for (const yes of ["10.1.2.3", "::ffff:10.1.2.3", "::FFFF:a01:203", "[::ffff:10.1.2.3]"]) {
    assert.ok(v4Rule.has(yes), yes);
  }
  for (const no of ["11.1.2.3", "::ffff:b01:203", "::a01:203", "10.1.2.3%eth0"]) {
    assert.ok(!v4Rule.has(no), no);
  }
  const mappedRule = new CidrSet([parseCidr("::ffff:192.168.0.0/112")!]);
  assert.ok(mappedRule.has("192.168.4.5"));
  assert.ok(!mappedRule.has("192.169.4.5"));
});

Deno.test("CidrSet keeps one 128-bit space: a short IPv6 prefix covers IPv4 clients too", () => {
  assert.ok(new CidrSet([parseCidr("::/0")!]).has("8.8.8.8"));
  assert.ok(new CidrSet([parseCidr("::/80")!]).has("8.8.8.8"));
  assert.ok(!new CidrSet([parseCidr("::/81")!]).has("8.8.8.8"));
});

Deno.test("CidrSet ignores zone ids and brackets, in rules and in client addresses", () => {
  const set = new CidrSet([parseCidr("fe80::/10")!, parseCidr("[fd00::1]")!]);
  for (const yes of ["fe80::1%eth0", "[fe80::1%2]", "fd00::1", "[fd00::1]"]) {
    assert.ok(set.has(yes), yes);
  }
  assert.ok(new CidrSet([parseCidr("fe80::1%eth0/128")!]).has("fe80::1"));
  assert.ok(!set.has("fd00::2"));
  assert.ok(!set.has("[fe80::1"));
});

Deno.test("parseCidr() gives plain data, so configs holding blocks compare as JSON", () => {
  assert.deepEqual(parseCidr("10.0.0.0/8"), {
    text: "10.0.0.0/8",
    address: "::ffff:10.0.0.0",
    prefix: 104,
  });
  assert.equal(
    JSON.stringify(parseCidr("fd00::/8")),
    '{"text":"fd00::/8","address":"fd00::","prefix":8}',
  );
});

Deno.test("parseCidr() rejects malformed blocks", () => {
  for (
    const bad of [
      "10.0.0.0/33",
      "10.0.0/8",
      "::1/129",
      "1.2.3.4/8/9",
      "01.2.3.4",
      "256.1.1.1",
      "a::b::c",
      "x",
    ]
  ) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});

Deno.test("parseIPv6() handles compression and embedded IPv4", () => {
  assert.equal(parseIPv6("::"), 0n);
  assert.equal(parseIPv6("::ffff:1.2.3.4"), (0xffffn << 32n) | 0x01020304n);
  assert.equal(parseIPv6("1:2:3:4:5:6:7:8"), 0x00010002000300040005000600070008n);
  assert.equal(parseIPv6("1:2:3:4:5:6:7:8:9"), undefined);
});

Deno.test("parseAuthority() accepts host names and IP literals with ports, nothing else", () => {
  assert.deepEqual(parseAuthority("Deb.Debian.org"), {
    host: "deb.debian.org",
    port: undefined,
    text: "deb.debian.org",
  });
  assert.equal(parseAuthority("127.0.0.1:8080")?.text, "127.0.0.1:8080");
  assert.equal(parseAuthority("[::1]:80")?.text, "[::1]:80");
  for (
    const bad of [
      "",
      "a_b",
      "user@host",
      "host:0",
      "host:65536",
      "-a.b",
      "a..b",
      "[zz::1]",
      "999.1.1.1",
      "host:",
    ]
  ) {
    assert.equal(parseAuthority(bad), undefined, bad);
  }
});
