import assert from "node:assert/strict";
import { MirrorAddresses } from "../../src/fetch/mod.ts";
import { startDnsServer } from "../helpers/dns_server.ts";

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await condition()); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(await condition(), "condition never became true");
}

Deno.test("MirrorAddresses resolves A and AAAA, keeps answers for their TTL, and rotates on failure", async () => {
  await using dns = startDnsServer({ "mirror.test": ["127.0.0.1", "127.0.0.2", "::1"] }, 30);
  let now = 1_000_000;
  const book = new MirrorAddresses({ servers: [dns.address], now: () => now });
  assert.deepEqual(await book.addressesOf("mirror.test"), ["127.0.0.1", "127.0.0.2", "::1"]);
  assert.equal(dns.questions.length, 2, "one A and one AAAA question");

  book.failed("mirror.test", "127.0.0.2"); // not the preferred one: nothing changes
  book.failed("mirror.test", "127.0.0.1");
  assert.deepEqual(await book.addressesOf("mirror.test"), ["127.0.0.2", "::1", "127.0.0.1"]);
  now += 29_000;
  await book.addressesOf("mirror.test");
  assert.equal(dns.questions.length, 2, "still within the TTL: no question");

  // After the TTL the old answer serves while the name is asked again in the background; the
  // address in use stays first if it is still listed.
  dns.records.set("mirror.test", ["127.0.0.3", "127.0.0.2"]);
  now += 2_000;
  assert.deepEqual(await book.addressesOf("mirror.test"), ["127.0.0.2", "::1", "127.0.0.1"]);
  await until(() => dns.questions.length === 4);
  await until(async () => (await book.addressesOf("mirror.test")).length === 2);
  assert.deepEqual(await book.addressesOf("mirror.test"), ["127.0.0.2", "127.0.0.3"]);

  // A DNS outage keeps the last answer.
  dns.records.delete("mirror.test");
  now += 60_000;
  await book.addressesOf("mirror.test");
  await until(() => dns.questions.length === 6);
  assert.deepEqual(await book.addressesOf("mirror.test"), ["127.0.0.2", "127.0.0.3"]);
});

Deno.test("a DNS server that does not answer delays a request by lookupWaitMs at most", async () => {
  // A socket that never answers: the lookup is abandoned for this request, the name goes by name.
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const book = new MirrorAddresses({
      servers: [`127.0.0.1:${(silent.addr as Deno.NetAddr).port}`],
      lookupWaitMs: 200,
    });
    const started = performance.now();
    assert.deepEqual(await book.addressesOf("slow.test"), []);
    const waited = performance.now() - started;
    assert.ok(waited >= 150 && waited < 1_000, `waited ${waited} ms`);
  } finally {
    silent.close();
  }
});

Deno.test("MirrorAddresses leaves IP literals, localhost and names DNS does not know to the system", async () => {
  await using dns = startDnsServer({});
  const book = new MirrorAddresses({ servers: [dns.address] });
  assert.deepEqual(await book.addressesOf("127.0.0.1"), []);
  assert.deepEqual(await book.addressesOf("[::1]"), []);
  assert.deepEqual(await book.addressesOf("localhost"), []);
  assert.deepEqual(await book.addressesOf("unknown.test"), []);
  assert.equal(dns.questions.length, 2, "only the unknown name was asked");
});
