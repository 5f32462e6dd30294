import assert from "node:assert/strict";
import { ManualClock } from "../helpers/manual_clock.ts";
import { seededRandom } from "../helpers/seeded_random.ts";
import { VirtualClock } from "../helpers/virtual_clock.ts";
import { PEER_TTL_MS } from "../../src/dht/constants.ts";
import { Logger } from "../../src/log/mod.ts";
import { Announcer } from "../../src/peers/mod.ts";
import { dhtKeyOf } from "../../src/peers/announcer.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(stored = 8) {
  const clock = new ManualClock();
  const calls: { key: string; port: number; at: number }[] = [];
  const withdrawn: string[] = [];
  const dht = {
    withdraw: (key: Uint8Array) => void withdrawn.push(key.toHex()),
    announce(key: Uint8Array, port: number) {
      calls.push({
        key: key.toHex(),
        port,
        at: clock.now(),
      });
      return Promise.resolve({ stored });
    },
  };
  const announcer = new Announcer(dht, () => 9977, clock, new Logger("error"), {
    perSecond: 5,
    intervalMs: 60_000,
    retryMs: 5000,
  });
  return { clock, calls, withdrawn, announcer };
}

const hashes = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(2, "0").repeat(32));

Deno.test("the announcer announces each file under the first 160 bits of its SHA-256, paced", async () => {
  const { clock, calls, announcer } = setup();
  for (const h of hashes) announcer.add(h);
  announcer.add(hashes[0]); // repeats are ignored
  assert.equal(calls.length, 0, "nothing before start (the node has not joined)");
  announcer.start();
  for (let i = 0; i < 10; i++) {
    clock.advance(200);
    await settle();
  }
  assert.equal(calls.length, 10, "5 per second");
  assert.equal(calls[0].key, hashes[0].slice(0, 40));
  assert.equal(calls[0].port, 9977);
  assert.equal(dhtKeyOf(hashes[3]).length, 20);
  announcer.stop();
});

Deno.test("the announcer announces again before expiry, and retries sooner when nobody stored it", async () => {
  const { clock, calls, announcer } = setup();
  announcer.add(hashes[1]);
  announcer.start();
  for (let t = 0; t < 61_000; t += 200) {
    clock.advance(200);
    await settle();
  }
  assert.equal(calls.length, 2, "once at start, once after the interval");
  assert.ok(calls[1].at - calls[0].at >= 60_000);
  announcer.stop();

  const failing = setup(0);
  failing.announcer.add(hashes[2]);
  failing.announcer.start();
  for (let t = 0; t < 11_000; t += 200) {
    failing.clock.advance(200);
    await settle();
  }
  assert.equal(failing.calls.length, 3, "every 5 s while nobody stores it");
  assert.equal(failing.announcer.failed, 3);
  failing.announcer.stop();
});

Deno.test("a removed file is not announced again, and the node stops naming us for it", async () => {
  const { clock, calls, withdrawn, announcer } = setup();
  announcer.add(hashes[4]);
  announcer.start();
  clock.advance(200);
  await settle();
  announcer.remove(hashes[4]);
  for (let t = 0; t < 61_000; t += 200) {
    clock.advance(200);
    await settle();
  }
  assert.equal(calls.length, 1);
  assert.deepEqual(withdrawn, [dhtKeyOf(hashes[4]).toHex()]);
  announcer.remove(hashes[4]); // not announced any more: nothing to withdraw
  assert.equal(withdrawn.length, 1);
  announcer.stop();
});

Deno.test("an announcer stopped before the join finished does not start afterwards", () => {
  const { clock, announcer } = setup();
  announcer.add(hashes[5]);
  announcer.stop(); // the daemon stops while its DHT node is still joining…
  announcer.start(); // …and the join completes after
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("a piece list small enough for a BEP 44 item is put in the DHT with the announce", async () => {
  const clock = new ManualClock();
  const puts: Uint8Array[] = [];
  const dht = {
    announce: () => Promise.resolve({ stored: 8 }),
    putImmutable: (value: Uint8Array) => {
      puts.push(value);
      return Promise.resolve({ stored: 8 });
    },
  };
  const lists: Record<string, Uint8Array> = {
    [hashes[6]]: new Uint8Array(200),
    [hashes[7]]: new Uint8Array(5000),
  };
  const announcer = new Announcer(dht, () => 9977, clock, new Logger("error"), {
    pieceListOf: (h) => lists[h],
  });
  announcer.add(hashes[6]);
  announcer.add(hashes[7]);
  announcer.add(hashes[8]); // no list at all
  announcer.start();
  for (let i = 0; i < 5; i++) {
    clock.advance(200);
    await settle();
  }
  assert.deepEqual(puts.map((p) => p.length), [200], "only the small list");
  announcer.stop();
});

Deno.test("a cache of 20,000 files stays announced within the 30-minute expiry, and says how far behind it is", async () => {
  const clock = new VirtualClock();
  const random = seededRandom(34).next;
  const stores = new Map<string, number[]>();
  const dht = {
    // An announce under 20% loss: a lookup and a store take seconds; now and then nobody stores it.
    async announce(key: Uint8Array) {
      await clock.sleep(1000 + random() * 3000);
      if (random() < 0.1) return { stored: 0 };
      const at = stores.get(key.toHex()) ?? [];
      at.push(clock.now());
      stores.set(key.toHex(), at);
      return { stored: 8 };
    },
  };
  const announcer = new Announcer(dht, () => 9977, clock, new Logger("error"));
  const files = Array.from({ length: 20_000 }, (_, i) => i.toString(16).padStart(64, "0"));
  for (const sha256 of files) announcer.add(sha256);
  announcer.start();
  await clock.runFor(60_000);
  const early = announcer.backlog();
  assert.ok(
    early.overdue > 15_000 && early.behindS >= 59,
    `behind at start: ${JSON.stringify(early)}`,
  );
  assert.ok(early.perSecond >= 20, `the pace follows the cache: ${early.perSecond}/s`);
  await clock.runFor(75 * 60_000);
  let worstGap = 0;
  for (const sha256 of files) {
    const at = stores.get(sha256.slice(0, 40)) ?? [];
    assert.ok(at.length >= 2, `${sha256} announced ${at.length} times in 76 minutes`);
    for (let i = 1; i < at.length; i++) worstGap = Math.max(worstGap, at[i] - at[i - 1]);
  }
  assert.ok(worstGap <= PEER_TTL_MS, `longest gap between stores: ${worstGap / 60_000} min`);
  const settled = announcer.backlog();
  assert.ok(settled.behindS < 120, `caught up: ${JSON.stringify(settled)}`);
  announcer.stop();
  clock.close();
});
