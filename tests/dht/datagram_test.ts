/**
 * What arrives on the wire, raw: datagrams over 4 KiB are read (other
 * implementations send them), and a response that cannot be decoded is
 * never answered with an error.
 */

import assert from "node:assert/strict";
import bencode from "bencode";
import { DhtNode, randomId, UdpSocket } from "../../src/dht/mod.ts";
import { decodeMessage } from "../../src/dht/krpc/codec.ts";

/** Sends `packet` from a fresh socket; what came back within half a second, decoded. */
async function repliesTo(packet: Uint8Array, port: number) {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const got = [];
  try {
    await socket.send(packet, { transport: "udp", hostname: "127.0.0.1", port });
    const deadline = Date.now() + 500;
    while (Date.now() < deadline) {
      const reply = await Promise.race([
        socket.receive(),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), deadline - Date.now())),
      ]);
      if (!reply) break;
      got.push(decodeMessage(reply[0].slice()));
    }
  } finally {
    socket.close();
  }
  return got;
}

Deno.test({
  name: "a 5,000-byte query is answered, and a malformed response gets no error back",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const node = new DhtNode({ socket: new UdpSocket("127.0.0.1", 0) });
    await node.start();
    try {
      const t = new Uint8Array([1, 2]);
      const big = bencode.encode({
        t,
        y: "q",
        q: "ping",
        a: { id: randomId(), pad: new Uint8Array(5000) },
      });
      assert.ok(big.length > 4096);
      const answers = await repliesTo(big, node.local.port);
      assert.ok(answers.some((m) => m.kind === "response"), "no answer to a large datagram");

      const badResponse = bencode.encode({ t, y: "r", r: { id: new Uint8Array(3) } });
      const back = await repliesTo(badResponse, node.local.port);
      assert.deepEqual(back.filter((m) => m.kind === "error"), []);
    } finally {
      await node.stop();
    }
  },
});
