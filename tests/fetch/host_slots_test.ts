import assert from "node:assert/strict";
import { MirrorClient } from "../../src/fetch/mod.ts";
import { HostSlots } from "../../src/fetch/host_slots.ts";

Deno.test("host slots: at most N per host, first come first served, other hosts unaffected", async () => {
  const slots = new HostSlots(2);
  const a1 = await slots.acquire("a");
  const a2 = await slots.acquire("a");
  const b1 = await slots.acquire("b"); // another host has its own slots
  const order: number[] = [];
  const third = slots.acquire("a").then((release) => (order.push(3), release));
  const fourth = slots.acquire("a").then((release) => (order.push(4), release));
  const aborted = new AbortController();
  const fifth = slots.acquire("a", aborted.signal);
  assert.deepEqual(slots.usage("a"), { busy: 2, waiting: 3 });
  aborted.abort(new Error("gone"));
  await assert.rejects(fifth, /gone/);
  a1();
  a1(); // twice is once
  await third;
  assert.deepEqual(order, [3]);
  a2();
  (await fourth)();
  (await third)();
  b1();
  assert.deepEqual(slots.usage("a"), { busy: 0, waiting: 0 });
});

Deno.test("the mirror client keeps at most max connections per host busy, until each body ends", async () => {
  let open = 0;
  let most = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    open++;
    most = Math.max(most, open);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((r) => setTimeout(r, 20));
        if (sent++ === 3) {
          open--;
          return controller.close();
        }
        controller.enqueue(new Uint8Array(1000));
      },
    });
    return new Response(body);
  });
  try {
    const client = new MirrorClient({
      responseTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      userAgent: "test",
      via: "1.1 test",
      maxConnectionsPerHost: 2,
    });
    const url = `http://127.0.0.1:${server.addr.port}/file`;
    const sizes = await Promise.all(Array.from({ length: 6 }, async () => {
      const response = await client.request({ url });
      return (await new Response(response.body).arrayBuffer()).byteLength;
    }));
    assert.deepEqual(sizes, [3000, 3000, 3000, 3000, 3000, 3000]);
    assert.equal(most, 2, "never more than two at once");
    // A cancelled transfer frees its connection too.
    const first = await client.request({ url });
    first.cancel();
    const second = await client.request({ url });
    second.cancel();
    assert.deepEqual(client.slots?.usage(`127.0.0.1:${server.addr.port}`), { busy: 0, waiting: 0 });
  } finally {
    await server.shutdown();
  }
});
