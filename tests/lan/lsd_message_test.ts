/**
 * BEP 14 announces: ours read back, the strict reader's refusals, and a
 * seeded fuzz of mutated announces that must never throw.
 */

import assert from "node:assert/strict";
import { APT_DHT_LAN_INFOHASH } from "../../src/lan/constants.ts";
import { LanNodes } from "../../src/lan/lan_nodes.ts";
import { formatAnnounce, parseAnnounce } from "../../src/lan/lsd_message.ts";
import { seededRandom } from "../helpers/seeded_random.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("an announce we write reads back with its port, info-hash and cookie", () => {
  const data = formatAnnounce("239.192.152.143:6771", {
    port: 9977,
    infoHashes: [APT_DHT_LAN_INFOHASH],
    cookie: "abc123",
  });
  assert.match(new TextDecoder().decode(data), /^BT-SEARCH \* HTTP\/1\.1\r\nHost: 239/);
  assert.deepEqual(parseAnnounce(data), {
    port: 9977,
    infoHashes: [APT_DHT_LAN_INFOHASH],
    cookie: "abc123",
  });
});

Deno.test("a BitTorrent client's announce (other header case, two info-hashes) is read", () => {
  const hashes = ["A".repeat(40), "b".repeat(40)];
  const parsed = parseAnnounce(
    encode(
      `BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nport: 51413\r\nInfohash: ${
        hashes[0]
      }\r\nInfohash: ${hashes[1]}\r\n\r\n\r\n`,
    ),
  );
  assert.deepEqual(parsed, { port: 51413, infoHashes: ["a".repeat(40), "b".repeat(40)] });
});

Deno.test("announces that are not well formed are refused with a reason", () => {
  const head = "BT-SEARCH * HTTP/1.1\r\nHost: x\r\n";
  const ih = `Infohash: ${"c".repeat(40)}\r\n`;
  const cases: [string, string][] = [
    ["M-SEARCH * HTTP/1.1\r\n\r\n", "not a BT-SEARCH"],
    [`${head}${ih}\r\n`, "no port"],
    [`${head}Port: 9977\r\n\r\n`, "no infohash"],
    [`${head}Port: 0\r\n${ih}\r\n`, "bad port"],
    [`${head}Port: 65536\r\n${ih}\r\n`, "bad port"],
    [`${head}Port: -3\r\n${ih}\r\n`, "bad port"],
    [`${head}Port: 9977\r\nInfohash: xyz\r\n\r\n`, "bad infohash"],
    [`${head}no colon here\r\n`, "bad header line"],
    [`${head}Port: 9977\r\n${ih}${"X: y\r\n".repeat(400)}`, "too large"],
  ];
  for (const [text, reason] of cases) assert.equal(parseAnnounce(encode(text)), reason, text);
  assert.equal(parseAnnounce(Uint8Array.of(0xff, 0xfe, 0x00)), "not UTF-8");
});

Deno.test("10,000 mutated announces (seed 14) are each read or refused, never thrown", () => {
  const random = seededRandom(14);
  const base = formatAnnounce("239.192.152.143:6771", {
    port: 9977,
    infoHashes: [APT_DHT_LAN_INFOHASH],
    cookie: "c",
  });
  let read = 0;
  for (let i = 0; i < 10_000; i++) {
    const data = base.slice(0, random.int(base.length + 1));
    for (let flips = random.int(4); flips > 0; flips--) {
      data[random.int(data.length)] = random.int(256);
    }
    const result = parseAnnounce(data);
    if (typeof result !== "string") {
      read++;
      assert.ok(result.port >= 1 && result.port <= 65535);
      assert.ok(result.infoHashes.every((h) => /^[0-9a-f]{40}$/.test(h)));
    }
  }
  assert.ok(read > 0 && read < 10_000, `read ${read}`);
});

Deno.test("the LAN node list is bounded and backs off endpoints that did not answer", () => {
  let now = 0;
  const nodes = new LanNodes(() => now, 2);
  const node = (i: number) => ({
    address: `10.0.0.${i}`,
    port: 9977,
    id: "00".repeat(20),
    interface: "eth0",
    foundAt: 0,
    lastSeen: 0,
  });
  assert.ok(nodes.add(node(1)));
  assert.ok(nodes.add(node(2)));
  assert.equal(nodes.add(node(3)), false, "full");
  assert.ok(nodes.add(node(2)), "a known node is updated even when full");
  nodes.silent("10.0.0.9:9977");
  assert.ok(nodes.backingOff("10.0.0.9:9977"));
  now += 61_000;
  assert.equal(nodes.backingOff("10.0.0.9:9977"), false);
});
