/** `apt-dht dht`: DHT-only nodes as separate processes, one bootstrapping from the other. */

import assert from "node:assert/strict";
import { DhtNode, idFromHex, idToHex, UdpSocket } from "../../src/dht/mod.ts";
import { cliArgs } from "../helpers/daemon_process.ts";

/**
 * Starts `apt-dht dht` and waits for its "dht.listening" line and, when
 * `joined`, the line that ends its join (`dht.joined`, `dht.waiting` or `dht.not_joined`).
 */
async function startDhtProcess(
  address: string,
  stateDir: string,
  bootstrap?: string,
  joined = true,
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: cliArgs(
      "dht",
      "--listen",
      address,
      "--port",
      "0",
      "--state-dir",
      stateDir,
      ...(bootstrap ? ["--bootstrap", bootstrap] : []),
    ),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  let match: RegExpExecArray | null = null;
  while (
    !(match = /dht\.listening .*id=([0-9a-f]{40}) listen=([\d.]+):(\d+)/.exec(log)) ||
    (joined && !/dht\.(joined|waiting|not_joined) /.test(log))
  ) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`apt-dht dht exited: ${log}`);
    log += value;
  }
  (async () => {
    while (!(await reader.read()).done);
  })(); // keep draining
  const state = /dht\.(joined|waiting|not_joined) /.exec(log)?.[1];
  return {
    child,
    id: match[1],
    endpoint: { address: match[2], port: Number(match[3]) },
    state,
  };
}

Deno.test({
  name:
    "apt-dht dht runs a DHT-only node; a second one bootstraps from it and a lookup crosses both",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const a = await startDhtProcess("127.0.3.1", `${dir}/a`);
    const b = await startDhtProcess(
      "127.0.3.2",
      `${dir}/b`,
      `${a.endpoint.address}:${a.endpoint.port}`,
    );
    const c = new DhtNode({ socket: new UdpSocket("127.0.3.3", 0), bootstrap: [b.endpoint] });
    try {
      // The log says what the status page says: a alone waits, b joined through a.
      assert.deepEqual([a.state, b.state], ["waiting", "joined"]);
      await c.start();
      // c knows only b; finding a's id means b knew a and answered with it.
      const result = await c.findNode(idFromHex(a.id));
      assert.ok(
        result.closest.some((n) => idToHex(n.id) === a.id && n.port === a.endpoint.port),
        "found a through b",
      );
      // And the other way: an announce through b is found by a lookup that starts at a.
      const key = crypto.getRandomValues(new Uint8Array(20));
      await c.announce(key, 4242);
      const d = new DhtNode({ socket: new UdpSocket("127.0.3.4", 0), bootstrap: [a.endpoint] });
      await d.start();
      const peers = [];
      for await (const peer of d.findPeers(key)) peers.push(peer);
      await d.stop();
      assert.ok(
        peers.some((p) => p.address === "127.0.3.3" && p.port === 4242),
        JSON.stringify(peers),
      );
    } finally {
      await c.stop();
      for (const p of [a, b]) {
        p.child.kill("SIGTERM");
        assert.equal((await p.child.status).code, 0);
      }
    }
    // The routing table was saved for the next start.
    const restarted = await startDhtProcess("127.0.3.2", `${dir}/b`, undefined, false);
    try {
      assert.equal(restarted.id, b.id, "same node id after a restart");
    } finally {
      restarted.child.kill("SIGTERM");
      await restarted.child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
