/**
 * The HTTP/1.1 server on real loopback sockets: keep-alive, pipelining,
 * HEAD, HTTP/1.0, chunked bodies, file bodies and ranges, refusals of bad
 * heads, the three timeouts and the connection caps.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { ConnectionCaps, Http1Server, markFileBody } from "../../src/http1/mod.ts";
import type { Timeouts } from "../../src/http1/connection.ts";
import { seededRandom } from "../helpers/seeded_random.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const LONG: Timeouts = { headerMs: 10_000, idleMs: 10_000, sendMs: 10_000 };

async function withServer(
  handler: (request: Request) => Response | Promise<Response>,
  run: (port: number, server: Http1Server, closed: string[]) => Promise<void>,
  options: { timeouts?: Timeouts; admit?: (address: string) => (() => void) | undefined } = {},
) {
  const closed: string[] = [];
  const server = new Http1Server(Deno.listen({ hostname: "127.0.0.1", port: 0 }), {
    handler,
    onError: () => new Response("boom\n", { status: 500 }),
    timeouts: options.timeouts ?? LONG,
    admit: options.admit,
    closed: (because) => closed.push(because),
  });
  try {
    await run(server.addr.port, server, closed);
  } finally {
    server.closeAll();
    await server.shutdown();
  }
}

/** Sends `text` and reads until the connection closes or `until` matches what came back. */
async function exchange(
  port: number,
  text: string,
  until?: (received: string) => boolean,
  hostname = "127.0.0.1",
): Promise<string> {
  const conn = await Deno.connect({ hostname, port });
  const timer = setTimeout(() => conn.close(), 5_000);
  let received = "";
  try {
    await conn.write(encoder.encode(text));
    const buffer = new Uint8Array(65536);
    while (!until?.(received)) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      received += decoder.decode(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  return received;
}

/**
 * Opens a connection from `localAddress` (another loopback address: a
 * stranger), holds it 300 ms and sends a request: "served" or "closed".
 */
function served(port: number, localAddress: string): Promise<"served" | "closed"> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    let answer: "served" | "closed" = "closed";
    socket.on("data", () => {
      answer = "served";
      socket.destroy();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", () => {});
    socket.on("connect", () => {
      setTimeout(() => socket.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 300);
    });
    setTimeout(() => socket.destroy(), 3_000);
  });
}

/** Everything the server sends on `conn` until it closes it. */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(65536);
  let text = "";
  while (true) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) return text;
    text += decoder.decode(buffer.subarray(0, n));
  }
}

const echo = (request: Request) =>
  new Response(`${request.method} ${request.url}\n`, { headers: { "x-a": "1" } });

Deno.test("Http1Server: pipelined requests on one connection are answered in order; Connection: close ends it", async () => {
  await withServer(echo, async (port) => {
    const reply = await exchange(
      port,
      "GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n" +
        "HEAD /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    );
    const statuses = reply.match(/HTTP\/1\.1 200 OK/g) ?? [];
    assert.equal(statuses.length, 3, reply);
    assert(reply.indexOf("GET http://h/one") < reply.indexOf("GET http://h/two"));
    assert(!reply.includes("HEAD http://h/three"), "HEAD has no body");
    assert.match(reply, /connection: close\r\n/);
    assert.match(reply, /content-length: 17\r\n/); // a body at hand gets its length declared
  });
});

Deno.test("Http1Server: pipelined requests are handled at once (their waits overlap), answered in order", async () => {
  const started: string[] = [];
  const slow = async (request: Request) => {
    const path = new URL(request.url).pathname;
    started.push(path);
    // The first waits longest: its answer still goes out first.
    await new Promise((resolve) => setTimeout(resolve, path === "/a" ? 400 : 300));
    return new Response(`${path}\n`);
  };
  await withServer(slow, async (port) => {
    const heads = ["/a", "/b", "/c", "/d"].map((p, i) =>
      `GET ${p} HTTP/1.1\r\nHost: h\r\n${i === 3 ? "Connection: close\r\n" : ""}\r\n`
    );
    const before = performance.now();
    const reply = await exchange(port, heads.join(""));
    const ms = performance.now() - before;
    assert.deepEqual([...reply.matchAll(/^\/[a-d]$/gm)].map((m) => m[0]), ["/a", "/b", "/c", "/d"]);
    assert.equal(started.length, 4);
    assert(
      ms < 1_000,
      `four waits of 300-400 ms took ${ms.toFixed(0)} ms (one after the other: 1,300)`,
    );
  });
});

Deno.test("Http1Server: a head begun behind a pipelined request is held to the header timeout", async () => {
  const timeouts = { headerMs: 300, idleMs: 10_000, sendMs: 10_000 };
  await withServer(echo, async (port, _server, closed) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const started = performance.now();
    await conn.write(encoder.encode("GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHo"));
    const text = await readToEnd(conn);
    const ms = performance.now() - started;
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    assert(ms >= 250 && ms < 1_500, `closed after ${ms.toFixed(0)} ms`);
    assert.deepEqual(closed, ["header_timeout"]);
    conn.close();
  }, { timeouts });
});

Deno.test("Http1Server: a head waiting behind 10 pipelined requests is not timed out while they are handled", async () => {
  const timeouts = { headerMs: 300, idleMs: 10_000, sendMs: 10_000 };
  const slow = async (request: Request) => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    return new Response(`${new URL(request.url).pathname}\n`);
  };
  await withServer(slow, async (port, _server, closed) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const heads = Array.from({ length: 10 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
    await conn.write(encoder.encode(heads.join("") + "GET /last HTTP/1.1\r\nHo"));
    await new Promise((resolve) => setTimeout(resolve, 500)); // past the header timeout
    await conn.write(encoder.encode("st: h\r\nConnection: close\r\n\r\n"));
    const text = await readToEnd(conn);
    assert.equal((text.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 11, text);
    assert.match(text, /\/last\n$/);
    assert.deepEqual(closed, []);
    conn.close();
  }, { timeouts });
});

Deno.test("Http1Server: responses of pipelined requests never sent (the client left) are let go", async () => {
  let cancelled = 0;
  const handler = (request: Request) => {
    const path = new URL(request.url).pathname;
    const body = new ReadableStream({
      pull: (controller) => {
        if (path === "/first") controller.error(new Error("the first fails mid-way"));
        else controller.enqueue(new Uint8Array(10));
      },
      cancel: () => void cancelled++,
    });
    return new Response(body);
  };
  await withServer(handler, async (port) => {
    await exchange(
      port,
      "GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    const until = performance.now() + 2_000;
    while (cancelled < 1 && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(cancelled, 1, "the second's body was cancelled");
  });
});

Deno.test("Http1Server: one kept-alive connection carries 1,000 requests, one at a time and pipelined in bursts (the read buffer wraps many times)", async () => {
  await withServer(echo, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const buffer = new Uint8Array(65536);
    let answered = 0;
    let pending = "";
    const timer = setTimeout(() => conn.close(), 10_000);
    try {
      for (let burst = 0; answered < 1_000; burst++) {
        const size = 1 + (burst % 19); // 1 to 19 pipelined requests at a time
        let heads = "";
        for (let i = 0; i < size; i++) heads += `GET /r${burst}-${i} HTTP/1.1\r\nHost: h\r\n\r\n`;
        await conn.write(encoder.encode(heads));
        let seen = 0;
        while (seen < size) {
          const n = await conn.read(buffer);
          assert(n !== null, `closed after ${answered} answers`);
          pending += decoder.decode(buffer.subarray(0, n));
          const parts = pending.split(/(?=HTTP\/1\.1 200 OK\r\n)/);
          // The last part may be incomplete: keep it unless it ends its body.
          const complete = parts.filter((part) => /\n$/.test(part) && part.includes("\r\n\r\n"));
          seen = complete.length;
          if (seen === size) pending = "";
        }
        answered += size;
      }
    } finally {
      clearTimeout(timer);
      conn.close();
    }
    assert(answered >= 1_000, `${answered}`);
  });
});

Deno.test("Http1Server: HTTP/1.0 gets its version back and the connection closes; a stream of unknown length ends with the connection", async () => {
  const stream = () =>
    new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(encoder.encode("abc"));
          setTimeout(() => {
            controller.enqueue(encoder.encode("def"));
            controller.close();
          }, 20);
        },
      }),
    );
  await withServer(stream, async (port) => {
    const old = await exchange(port, "GET / HTTP/1.0\r\n\r\n");
    assert.match(old, /^HTTP\/1\.0 200 OK\r\n/);
    assert.match(old, /connection: close/);
    assert(old.endsWith("\r\n\r\nabcdef"), old);
    const chunked = await exchange(
      port,
      "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
      (r) => r.endsWith("0\r\n\r\n"),
    );
    assert.match(chunked, /transfer-encoding: chunked\r\n/);
    assert(chunked.endsWith("\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"), chunked);
  });
});

Deno.test("Http1Server: a body that fails before its first byte still sends its head, then the connection closes", async () => {
  const failing = () =>
    new Response(
      new ReadableStream({
        start(controller) {
          controller.error(new Error("the download failed"));
        },
      }),
      { headers: { "content-length": "10" } },
    );
  await withServer(failing, async (port) => {
    const reply = await exchange(
      port,
      "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /again HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(reply, /content-length: 10\r\n/);
    assert(reply.endsWith("\r\n\r\n"), "no body, and nothing after: the connection closed");
  });
});

Deno.test("Http1Server: a marked file body is sent from the file, whole or from an offset", async () => {
  const path = await Deno.makeTempFile();
  const data = new Uint8Array(700_000).map((_, i) => i % 251);
  await Deno.writeFile(path, data);
  const handler = async (request: Request) => {
    const start = Number(new URL(request.url).searchParams.get("from") ?? 0);
    const file = await Deno.open(path);
    await file.seek(start, Deno.SeekMode.Start); // markFileBody's promise: positioned at the start
    const body = markFileBody(file.readable, { file, start, end: data.length });
    return new Response(body, { headers: { "content-length": String(data.length - start) } });
  };
  try {
    await withServer(handler, async (port) => {
      for (const from of [0, 300_001]) {
        const response = await fetch(`http://127.0.0.1:${port}/f?from=${from}`);
        const got = new Uint8Array(await response.arrayBuffer());
        assert.equal(got.length, data.length - from);
        assert(got.every((byte, i) => byte === data[from + i]), `the bytes from ${from}`);
      }
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("Http1Server: bad heads get their status and a closed connection; a body is refused", async () => {
  await withServer(echo, async (port) => {
    const cases: [string, number][] = [
      ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
      ["GET / HTTP/2.0\r\n\r\n", 505],
      ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 400],
      ["GET / HTTP/1.1\r\nX: " + "a".repeat(40_000) + "\r\n\r\n", 431],
    ];
    for (const [head, status] of cases) {
      const reply = await exchange(port, head);
      assert.match(reply, new RegExp(`^HTTP/1\\.1 ${status} `), head.slice(0, 40));
      assert.match(reply, /connection: close/);
    }
  });
});

Deno.test("Http1Server: a head dripped too slowly, a silent connection and an idle kept-alive one are closed on time", async () => {
  const timeouts = { headerMs: 300, idleMs: 600, sendMs: 300 };
  await withServer(echo, async (port, _server, closed) => {
    const silent = await Deno.connect({ hostname: "127.0.0.1", port });
    const dripping = await Deno.connect({ hostname: "127.0.0.1", port });
    const kept = await Deno.connect({ hostname: "127.0.0.1", port });
    const started = performance.now();
    const endOf = async (conn: Deno.Conn) => {
      const buffer = new Uint8Array(4096);
      let text = "";
      while (true) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) return { ms: performance.now() - started, text };
        text += decoder.decode(buffer.subarray(0, n));
      }
    };
    const drip = (async () => {
      for (const byte of encoder.encode("GET / HTTP/1.1\r\nHost: h\r\n")) {
        if (await dripping.write(new Uint8Array([byte])).catch(() => 0) === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await kept.write(encoder.encode("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    const [silentEnd, drippingEnd, keptEnd] = await Promise.all(
      [silent, dripping, kept].map(endOf),
    );
    await drip;
    assert(silentEnd.ms >= 250 && silentEnd.ms < 1_500, `silent closed after ${silentEnd.ms} ms`);
    assert(
      drippingEnd.ms >= 250 && drippingEnd.ms < 1_500,
      `dripping closed after ${drippingEnd.ms} ms`,
    );
    assert.match(keptEnd.text, /^HTTP\/1\.1 200 OK/);
    assert(keptEnd.ms >= 550 && keptEnd.ms < 2_000, `kept-alive closed after ${keptEnd.ms} ms`);
    assert.deepEqual(closed.sort(), ["header_timeout", "header_timeout", "idle_timeout"]);
    for (const conn of [silent, dripping, kept]) conn.close();
  }, { timeouts });
});

Deno.test("Http1Server: new timeouts (a reload) reach the connections that come after", async () => {
  await withServer(echo, async (port, server, closed) => {
    server.setTimeouts({ headerMs: 300, idleMs: 300, sendMs: 300 });
    const silent = await Deno.connect({ hostname: "127.0.0.1", port });
    const started = performance.now();
    const n = await silent.read(new Uint8Array(16)).catch(() => null);
    const ms = performance.now() - started;
    assert.equal(n, null);
    assert(ms >= 250 && ms < 1_500, `closed after ${ms} ms, not 10 s`);
    assert.deepEqual(closed, ["header_timeout"]);
    silent.close();
  });
});

Deno.test("Http1Server: a client that does not read is cut off by the send timeout; a handler that waits is not", async () => {
  // 64 MiB in 64 KiB chunks, as the daemon streams bodies: a Response made of one 64 MiB array
  // is copied whole on its first read (half a second on a slow machine, the loop held meanwhile).
  const chunk = new Uint8Array(64 * 1024);
  const big = () => {
    let left = 1024;
    return new ReadableStream<Uint8Array>({
      pull: (controller) => left-- > 0 ? controller.enqueue(chunk) : controller.close(),
    });
  };
  const handler = async (request: Request) => {
    if (request.url.endsWith("/slow")) await new Promise((resolve) => setTimeout(resolve, 800));
    return new Response(request.url.endsWith("/big") ? big() : "late\n");
  };
  await withServer(handler, async (port, _server, closed) => {
    const stuck = await Deno.connect({ hostname: "127.0.0.1", port });
    await stuck.write(encoder.encode("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"));
    // Waiting for its handler (a download) longer than every timeout is not idleness.
    const late = await exchange(
      port,
      "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n",
      (r) => r.endsWith("late\n"),
    );
    assert.match(late, /^HTTP\/1\.1 200 OK/);
    const deadline = performance.now() + 3_000;
    while (!closed.includes("send_timeout") && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert(closed.includes("send_timeout"), closed.join());
    stuck.close();
  }, { timeouts: { headerMs: 300, idleMs: 300, sendMs: 300 } });
});

Deno.test("ConnectionCaps: strangers get few connections, allowed clients more, and the total holds; refusals are reported once a minute per address", async () => {
  const reports: string[] = [];
  let now = 0;
  const caps = new ConnectionCaps(
    { perClient: 3, perStranger: 1, total: 5 },
    (address) => address === "127.0.0.1",
    (address, reason, count) => reports.push(`${address} ${reason} ${count}`),
    () => now,
  );
  const admit = (address: string) => {
    const result = caps.admit(address);
    return typeof result === "function" ? result : undefined;
  };
  await withServer(echo, async (port) => {
    const from = (localAddress: string) => served(port, localAddress);
    const replies = await Promise.all([
      ...[1, 2, 3, 4].map(() => from("127.0.0.1")),
      ...[1, 2, 3].map(() => from("127.0.0.2")),
    ]);
    assert.deepEqual(replies.filter((r) => r === "served").length, 4, replies.join());
    assert.deepEqual(reports.sort(), ["127.0.0.1 per_client 1", "127.0.0.2 per_stranger 1"]);
  }, { admit });
  // The total: five at once, whoever they are; released ones free their place.
  const releases = [1, 2, 3].map(() => caps.admit("10.0.0.1")).concat([caps.admit("127.0.0.1")]);
  assert.deepEqual(releases.map((r) => typeof r), ["function", "string", "string", "function"]);
  now += 61_000;
  for (const release of releases) if (typeof release === "function") release();
  assert.equal(caps.open, 0);
  assert.equal(caps.admit("10.0.0.9") instanceof Function, true);
});

Deno.test("Http1Server: pipelined heads split at seeded random points, with stray bytes between, are answered in order (FUZZ_SEED replays)", async () => {
  const seed = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 2 ** 31);
  const random = seededRandom(seed);
  await withServer(echo, async (port) => {
    for (let round = 0; round < 30; round++) {
      const count = 1 + random.int(40);
      let wire = "";
      for (let i = 0; i < count; i++) {
        const pad = "x".repeat(random.int(3000)); // heads of all lengths, past the first buffer
        wire += (random.int(4) === 0 ? "\r\n" : "") +
          `GET /r${i} HTTP/1.1\r\nHost: h\r\nX-Pad: ${pad}\r\n\r\n`;
      }
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const bytes = encoder.encode(wire);
      const writing = (async () => {
        for (let at = 0; at < bytes.length;) {
          const size = 1 + random.int(random.int(2) ? 8 : 4096);
          await conn.write(bytes.subarray(at, at + size));
          at += size;
          if (random.int(8) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      let received = "";
      const buffer = new Uint8Array(65536);
      const timer = setTimeout(() => conn.close(), 10_000);
      try {
        while ((received.match(/GET http:\/\/h\/r\d+\n/g) ?? []).length < count) {
          const n = await conn.read(buffer);
          assert(n !== null, `seed ${seed}, round ${round}: closed early`);
          received += decoder.decode(buffer.subarray(0, n));
        }
        await writing;
      } finally {
        clearTimeout(timer);
        conn.close();
      }
      const order = [...received.matchAll(/GET http:\/\/h\/r(\d+)\n/g)].map((m) => Number(m[1]));
      assert.deepEqual(order, [...Array(count).keys()], `seed ${seed}, round ${round}`);
    }
  });
});
