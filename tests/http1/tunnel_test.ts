/**
 * CONNECT tunnels in the HTTP/1.1 server, on real loopback sockets: bytes
 * the client sent right after its head reach the far end, a half-close is
 * passed on, a silent tunnel is closed at the idle timeout, and a refused
 * CONNECT ends its connection.
 */

import assert from "node:assert/strict";
import { Http1Server, tunnelResponse } from "../../src/http1/mod.ts";
import type { Timeouts } from "../../src/http1/connection.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A far end that answers everything it got, upper-cased, once the client half-closes. */
function shoutingServer(): { port: number; stop(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        // Read by hand: conn.readable would close the connection at the client's end of stream.
        let got = "";
        const buffer = new Uint8Array(1024);
        for (let n; (n = await conn.read(buffer)) !== null;) {
          got += decoder.decode(buffer.subarray(0, n));
        }
        await conn.write(encoder.encode(got.toUpperCase()));
        conn.close();
      })().catch(() => {});
    }
  })().catch(() => {});
  return { port: listener.addr.port, stop: () => listener.close() };
}

/** A far end that sends without end and reads nothing. */
function floodingServer(): { port: number; stop(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const chunk = new Uint8Array(1 << 20);
  (async () => {
    for await (const conn of listener) {
      (async () => {
        while (true) await conn.write(chunk);
      })().catch(() => {});
    }
  })().catch(() => {});
  return { port: listener.addr.port, stop: () => listener.close() };
}

/** A far end that accepts and then neither reads nor writes. */
function deafServer(): { port: number; stop(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) held.push(conn);
  })().catch(() => {});
  return {
    port: listener.addr.port,
    stop: () => {
      listener.close();
      for (const conn of held) conn.close();
    },
  };
}

async function withTunnelServer(
  timeouts: Timeouts,
  run: (port: number, ends: number[], closed: string[]) => Promise<void>,
  far = shoutingServer(),
) {
  const ends: number[] = [];
  const closed: string[] = [];
  const server = new Http1Server(Deno.listen({ hostname: "127.0.0.1", port: 0 }), {
    handler: async (request) => {
      if (request.method !== "CONNECT") return new Response("no\n", { status: 405 });
      if (!request.url.endsWith(":443")) return new Response("refused\n", { status: 403 });
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: far.port });
      let bytes = 0;
      return tunnelResponse(conn, {
        onBytes: (_, n) => bytes += n,
        onEnd: () => ends.push(bytes),
      });
    },
    onError: () => new Response("boom\n", { status: 500 }),
    timeouts,
    closed: (because) => closed.push(because),
  });
  try {
    await run(server.addr.port, ends, closed);
  } finally {
    server.closeAll();
    await server.shutdown();
    far.stop();
  }
}

Deno.test("a CONNECT tunnel relays the bytes sent with the head, passes a half-close on, and ends with both sides", async () => {
  await withTunnelServer({ headerMs: 5_000, idleMs: 5_000, sendMs: 5_000 }, async (port, ends) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    // The head and the first tunnel bytes in one write, as a client that does not wait may send.
    await conn.write(
      encoder.encode("CONNECT far.example:443 HTTP/1.1\r\nHost: far.example:443\r\n\r\nhello "),
    );
    await conn.write(encoder.encode("tunnel"));
    await conn.closeWrite();
    const text = decoder.decode(new Uint8Array(await new Response(conn.readable).arrayBuffer()));
    assert.equal(text, "HTTP/1.1 200 Connection established\r\n\r\nHELLO TUNNEL");
    for (let i = 0; i < 100 && ends.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(ends, [24], "12 bytes each way, counted once the tunnel ended");
  });
});

Deno.test("a silent tunnel is closed at the idle timeout; a refused CONNECT closes its connection", async () => {
  await withTunnelServer(
    { headerMs: 5_000, idleMs: 300, sendMs: 5_000 },
    async (port, ends, closed) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode("CONNECT far.example:443 HTTP/1.1\r\n\r\n"));
      const started = performance.now();
      const text = decoder.decode(new Uint8Array(await new Response(conn.readable).arrayBuffer()));
      const ms = performance.now() - started;
      assert.equal(text, "HTTP/1.1 200 Connection established\r\n\r\n");
      assert.ok(ms >= 250 && ms < 3_000, `closed after ${ms} ms`);
      assert.deepEqual(closed, ["idle_timeout"]);
      for (let i = 0; i < 100 && ends.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(ends, [0]);

      // A refusal: the answer, then the end of the connection (what followed is not read as a head).
      const refused = await Deno.connect({ hostname: "127.0.0.1", port });
      await refused.write(
        encoder.encode("CONNECT far.example:22 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      const answer = decoder.decode(
        new Uint8Array(await new Response(refused.readable).arrayBuffer()),
      );
      assert.match(answer, /^HTTP\/1\.1 403 /);
      assert.match(answer, /connection: close/i);
      assert.equal(answer.match(/HTTP\/1\.1/g)?.length, 1, answer);
    },
  );
});

Deno.test("a client that does not read what its tunnel brings is cut off by the send timeout, and so is a far end that does not read", async () => {
  const timeouts = { headerMs: 5_000, idleMs: 5_000, sendMs: 300 };
  await withTunnelServer(timeouts, async (port, ends, closed) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode("CONNECT far.example:443 HTTP/1.1\r\n\r\n"));
    const started = performance.now();
    while (!closed.length && performance.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(closed, ["send_timeout"]);
    for (let i = 0; i < 100 && ends.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(ends.length, 1, "the tunnel ended");
    conn.close();
  }, floodingServer());
  // The other way: the client sends without end to a far end that never reads.
  await withTunnelServer(timeouts, async (port, ends, closed) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode("CONNECT far.example:443 HTTP/1.1\r\n\r\n"));
    const chunk = new Uint8Array(1 << 20);
    const sending = (async () => {
      while (true) await conn.write(chunk);
    })().catch(() => {});
    const started = performance.now();
    while (!closed.length && performance.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(closed, ["send_timeout"]);
    conn.close();
    await sending;
    for (let i = 0; i < 100 && ends.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(ends.length, 1, "the tunnel ended");
  }, deafServer());
});
