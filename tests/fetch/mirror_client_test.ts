import assert from "node:assert/strict";
import { MirrorAddresses, MirrorClient } from "../../src/fetch/mod.ts";
import { startDnsServer } from "../helpers/dns_server.ts";

/**
 * A loopback address where connecting hangs, as behind a firewall that
 * drops packets: a listener that never accepts, its backlog filled until
 * the kernel drops further SYNs.
 */
async function blackhole(hostname: string, port: number): Promise<AsyncDisposable> {
  const listener = Deno.listen({ hostname, port });
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < 4096; i++) {
    const conn = await Promise.race([
      Deno.connect({ hostname, port }),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200)),
    ]);
    if (!conn) break;
    conns.push(conn);
  }
  return {
    [Symbol.asyncDispose]() {
      for (const conn of conns) conn.close();
      listener.close();
      return Promise.resolve();
    },
  };
}

Deno.test({
  name: "an address that does not connect is left after connect_timeout, not response_timeout",
  sanitizeOps: false, // a hung connect cannot be cancelled; the kernel ends it once the listener closes
  sanitizeResources: false,
  async fn() {
    const server = Deno.serve(
      { hostname: "127.0.0.3", port: 0, onListen() {} },
      (request) => new Response(`served to ${request.headers.get("host")}`),
    );
    const port = server.addr.port;
    await using _dns = startDnsServer({ "mirror.test": ["127.0.0.2", "127.0.0.3"] }, 60);
    await using _hole = await blackhole("127.0.0.2", port);
    const clientWith = (connectTimeoutMs: number | undefined) =>
      new MirrorClient({
        connectTimeoutMs,
        responseTimeoutMs: 1500,
        idleTimeoutMs: 5000,
        userAgent: "test",
        via: "1.1 test",
        addresses: new MirrorAddresses({ servers: [_dns.address] }),
      });
    const timed = async (client: MirrorClient) => {
      const started = performance.now();
      const response = await client.request({ url: `http://mirror.test:${port}/file` });
      const text = await new Response(response.body).text();
      client.close();
      return { response, text, ms: performance.now() - started };
    };
    try {
      const probed = await timed(clientWith(300));
      assert.equal(probed.response.status, 200);
      assert.equal(probed.response.address, "127.0.0.3");
      assert.equal(probed.text, `served to mirror.test:${port}`);
      assert.ok(
        probed.ms < 1200,
        `left the silent address after the connect timeout (${probed.ms} ms)`,
      );

      // The same without a connect timeout: only the response timeout ends the wait.
      const unprobed = await timed(clientWith(undefined));
      assert.equal(unprobed.response.address, "127.0.0.3");
      assert.ok(unprobed.ms >= 1400, `waited for the response timeout (${unprobed.ms} ms)`);
    } finally {
      await server.shutdown();
    }
  },
});
