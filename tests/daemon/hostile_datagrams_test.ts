/**
 * The datagrams that froze the daemon (npm bencode read `d-3:` as a string
 * of -3 bytes and looped for ever), sent to a running daemon on real UDP:
 * after each one it answers /stats.json within 100 ms, counts the packet
 * as malformed, and its DHT still answers a ping.
 */

import assert from "node:assert/strict";
import { daemonCommand, spawnDaemon } from "../helpers/daemon_process.ts";
import { answersPing } from "../helpers/udp_ping.ts";
import { randomId } from "../../src/dht/mod.ts";
import { encodeMessage } from "../../src/dht/krpc/codec.ts";

/** A binary string (one char per byte) as bytes. */
const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const PING = String.fromCharCode(...encodeMessage({
  kind: "query",
  tid: text("aa"),
  method: "ping",
  args: { id: randomId() },
  readOnly: false,
}));
const HOSTILE = [
  "d-3:",
  "l-3:",
  "d-04:",
  "d-9999999999:",
  PING.replace("2:id20:", "2:id-20:"), // a negative length inside a query that looks valid
  PING.replace("1:q4:ping", "1:q-4:ping"),
  `l${"l".repeat(10_000)}`,
];

/** Milliseconds /stats.json took, and the figures. */
async function stats(port: number) {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/stats.json`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = await response.json();
  return { ms: performance.now() - started, body };
}

Deno.test({
  name:
    "a daemon sent d-3:, l-3: and the rest on its UDP port answers /stats.json within 100 ms after each",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      await using daemon = await spawnDaemon(daemonCommand(dir));
      const target = { transport: "udp" as const, hostname: "127.0.0.1", port: daemon.port };
      await stats(daemon.port); // the first request pays for the connection and compiling
      for (const datagram of HOSTILE) {
        // A frozen daemon never answers; a busy test machine may be slow once, not three times.
        let fastest = Infinity;
        for (let attempt = 0; attempt < 3 && fastest >= 100; attempt++) {
          await socket.send(text(datagram), target);
          fastest = Math.min(fastest, (await stats(daemon.port)).ms);
        }
        assert.ok(fastest < 100, `${datagram.slice(0, 40)}: /stats.json took ${fastest} ms`);
      }
      const { body } = await stats(daemon.port);
      assert.ok(body.dht.counters.malformed >= HOSTILE.length, JSON.stringify(body.dht.counters));
      assert.equal(body.event_loop.stalls_over_1s, 0);
      // The DHT still answers.
      assert.ok(await answersPing(socket, target), `no answer to a ping: ${daemon.log()}`);
      assert.doesNotMatch(daemon.log(), /Uncaught|panicked/);
      assert.equal(await daemon.stop(), 0, daemon.log());
    } finally {
      socket.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
