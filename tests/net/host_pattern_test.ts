import assert from "node:assert/strict";
import { hostMatches, isHostPattern } from "../../src/net/mod.ts";

Deno.test("isHostPattern() takes *, *.name, a name or an address, and nothing looser", () => {
  for (const good of ["*", "*.debian.org", "deb.debian.org", "10.0.0.8", "::1", "[2001:db8::1]"]) {
    assert.ok(isHostPattern(good), good);
  }
  for (
    const bad of ["", "*debian.org", "*.*.org", "deb.debian.org:443", "a b", "*.10.0.0.8x_", "**"]
  ) {
    assert.ok(!isHostPattern(bad), bad);
  }
});

Deno.test("hostMatches() matches whole labels, ignoring case and a trailing dot", () => {
  const patterns = ["*.debian.org", "packages.example.com", "2001:db8::1"];
  const cases: [string, boolean][] = [
    ["deb.debian.org", true],
    ["security.Debian.ORG", true],
    ["deb.debian.org.", true],
    ["debian.org", false], // *.x is under x, not x itself
    ["evil-debian.org", false],
    ["debian.org.evil.example", false],
    ["packages.example.com", true],
    ["www.packages.example.com", false],
    ["2001:db8::1", true],
  ];
  for (const [host, expected] of cases) assert.equal(hostMatches(host, patterns), expected, host);
  assert.ok(hostMatches("anything.example", ["*"]));
  assert.ok(!hostMatches("deb.debian.org", []));
});
