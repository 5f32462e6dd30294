import assert from "node:assert/strict";
import { bareHost, urlHost } from "../../src/net/mod.ts";

Deno.test("urlHost() brackets IPv6 literals and bareHost() takes the brackets off again", () => {
  assert.equal(urlHost("::1"), "[::1]");
  assert.equal(urlHost("10.0.0.1"), "10.0.0.1");
  assert.equal(urlHost("deb.debian.org"), "deb.debian.org");
  for (const address of ["::1", "10.0.0.1", "deb.debian.org"]) {
    assert.equal(bareHost(urlHost(address)), address);
  }
  assert.equal(bareHost(new URL("http://[fd00::1]:8080/").hostname), "fd00::1");
});
