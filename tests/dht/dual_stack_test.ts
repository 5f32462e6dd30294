/**
 * A node listening on `::` (the README's way to enable IPv6) with IPv4 and
 * IPv6 nodes around it: IPv4 peers are IPv4 to it (not `::ffff:` mapped),
 * get `nodes` and a 6-byte `ip`, and both families' networks form and find
 * each other's announces through it.
 */

import assert from "node:assert/strict";
import bencode from "bencode";
import { DhtNode, type Endpoint, randomId, UdpSocket } from "../../src/dht/mod.ts";

async function node(address: string, bootstrap: Endpoint[] = []): Promise<DhtNode> {
  const n = new DhtNode({ socket: new UdpSocket(address, 0), bootstrap });
  await n.start();
  return n;
}

Deno.test({
  name: "dual stack: a node on :: serves IPv4 nodes as IPv4 and IPv6 nodes as IPv6",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const hub = await node("::");
    const port = hub.local.port;
    const v4 = [];
    const v6 = [];
    try {
      for (let i = 1; i <= 6; i++) {
        v4.push(await node(`127.0.3.${i}`, [{ address: "127.0.0.1", port }]));
      }
      for (let i = 0; i < 3; i++) v6.push(await node("::1", [{ address: "::1", port }]));
      await Promise.all([...v4, ...v6].map((n) => n.refresh()));
      const addresses = hub.table.all().map((e) => e.address);
      assert.ok(addresses.filter((a) => a.startsWith("127.0.3.")).length >= 5, addresses.join(" "));
      assert.ok(!addresses.some((a) => a.startsWith("::ffff:")), addresses.join(" "));
      assert.ok(addresses.includes("::1"), addresses.join(" "));
      // The IPv4 nodes found each other through the hub.
      assert.ok(v4.every((n) => n.table.size >= 4), v4.map((n) => n.table.size).join(","));

      // An IPv4 querier gets IPv4 answers.
      const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.3.50", port: 0 });
      try {
        const query = bencode.encode({
          t: "aa",
          y: "q",
          q: "find_node",
          a: { id: randomId(), target: randomId() },
        });
        await socket.send(query, { transport: "udp", hostname: "127.0.0.1", port });
        type Reply = {
          y: Uint8Array;
          ip?: Uint8Array;
          r: { nodes?: Uint8Array; nodes6?: Uint8Array };
        };
        let message: Reply;
        do { // the hub may ping us back first
          const [reply] = await socket.receive();
          message = bencode.decode(reply.slice()) as Reply;
        } while (new TextDecoder().decode(message.y) !== "r");
        assert.equal(message.ip?.length, 6, "a 6-byte ip for an IPv4 querier");
        assert.ok(message.r.nodes && message.r.nodes.length >= 26, "nodes for an IPv4 querier");
        assert.equal(message.r.nodes6, undefined);
      } finally {
        socket.close();
      }

      // Announced by an IPv4 node, found by another IPv4 node; the same for IPv6.
      const key4 = randomId();
      await v4[0].announce(key4, 4444);
      let found4 = false;
      for await (const peer of v4[5].findPeers(key4)) if (peer.port === 4444) found4 = true;
      assert.ok(found4, "IPv4 announce found");
      const key6 = randomId();
      await v6[0].announce(key6, 6666);
      let found6 = false;
      for await (const peer of v6[2].findPeers(key6)) if (peer.port === 6666) found6 = true;
      assert.ok(found6, "IPv6 announce found");
    } finally {
      for (const n of [...v4, ...v6]) await n.stop();
      await hub.stop();
    }
  },
});

Deno.test({
  name:
    "dual stack with bittorrent-dht: their IPv4 nodes join through our node on :: and find our announce",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { default: DHT } = await import("bittorrent-dht");
    const { Buffer } = await import("node:buffer");
    type TheirNode = {
      listen(port: number, address: string, cb: () => void): void;
      lookup(infoHash: Uint8Array, cb: (error?: Error) => void): void;
      on(event: string, listener: (...args: never[]) => void): void;
      destroy(cb?: () => void): void;
    };
    const hub = await node("::");
    const port = hub.local.port;
    const ours = [];
    const theirs: TheirNode[] = [];
    try {
      for (let i = 1; i <= 4; i++) {
        ours.push(await node(`127.0.4.${i}`, [{ address: "127.0.0.1", port }]));
      }
      for (let i = 10; i < 13; i++) {
        // bootstrap is always given: the package would otherwise contact the public routers.
        const their = new DHT({
          bootstrap: [`127.0.0.1:${port}`],
          host: false,
        }) as unknown as TheirNode;
        await new Promise<void>((resolve) => their.listen(0, `127.0.4.${i}`, resolve));
        await new Promise<void>((resolve) => their.on("ready", resolve));
        theirs.push(their);
      }
      const key = randomId();
      await ours[1].announce(key, 8444);
      const peers: string[] = [];
      theirs[2].on(
        "peer",
        ((peer: { host: string; port: number }) =>
          peers.push(`${peer.host}:${peer.port}`)) as never,
      );
      await new Promise<void>((resolve, reject) =>
        theirs[2].lookup(Buffer.from(key), (e) => e ? reject(e) : resolve())
      );
      assert.ok(peers.includes("127.0.4.2:8444"), `they found ${peers}`);
      assert.ok(!hub.table.all().some((e) => e.address.startsWith("::ffff:")));
    } finally {
      await Promise.all(
        theirs.map((t) => new Promise<void>((resolve) => t.destroy(() => resolve()))),
      );
      for (const n of ours) await n.stop();
      await hub.stop();
    }
  },
});
