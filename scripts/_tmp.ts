import { startTcpRelay } from "../tests/helpers/tcp_relay.ts";
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => new Response("x".repeat(1000), { headers: { etag: '"abc"' } }),
);
await using relay = startTcpRelay({ hostname: "127.0.0.1", port: server.addr.port });
const client = Deno.createHttpClient({ allowHost: true });
const r = await fetch(`http://127.0.0.1:${relay.port}/a/b`, {
  client,
  headers: {
    "user-agent": "apt-dht/0.1.0",
    "accept-encoding": "identity",
    via: "1.1 apt-dht-1234",
    host: "mirror.example:80",
  },
});
console.log([...r.headers.entries()]);
await r.arrayBuffer();
await new Promise((r) => setTimeout(r, 100));
console.log(JSON.stringify(new TextDecoder().decode(relay.sent())), relay.up(), relay.down());
client.close();
await server.shutdown();
