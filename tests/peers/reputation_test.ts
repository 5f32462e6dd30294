/**
 * What peers learn about bad peers, end to end: daemons on a private DHT on
 * loopback, a liar that announces a file and serves wrong bytes, its DHT
 * node on its HTTP port's number as a daemon's is. Two daemons that caught
 * it vote against it; a third that never met it reads their votes and never
 * asks it.
 */

import assert from "node:assert/strict";
import { startFakePeer } from "../helpers/fake_peer.ts";
import { get, POOL, readIndexes, startPeerWorld } from "../helpers/peer_world.ts";
import type { TestDaemon } from "../helpers/daemon.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!await test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function peerRow(daemon: TestDaemon, port: number) {
  const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
  return stats.peers.find((p: { port: number }) => p.port === port);
}

Deno.test({
  ...options,
  name: "a liar blamed by two daemons is avoided by a third that never met it",
  async fn() {
    await using world = await startPeerWorld(200_000, 91);
    const wrong = world.data.map((byte, i) => (i === 1000 ? byte ^ 1 : byte));
    await using liar = await startFakePeer(
      "127.0.7.1",
      world.data,
      world.network.nodes[0].local,
      { content: wrong },
    );
    const liarPort = liar.node.local.port;
    // The first two announce nothing: each must meet the liar rather than the other's copy.
    const catcher = (i: number) =>
      world.daemon({
        server: { listen: `127.0.7.${10 + i}` },
        peers: { wait: 3, announce: false },
      });
    for (const i of [1, 2]) {
      const daemon = await catcher(i);
      await readIndexes(daemon, world.archive);
      const asked = liar.requests.length;
      const got = await get(daemon.base, world.archive, POOL);
      assert.equal(got.source, "mirror", "the liar's bytes failed their hash");
      assert.deepEqual(got.body, world.data);
      assert.ok(liar.requests.length > asked, `daemon ${i} met the liar`);
      await until(
        `daemon ${i} voted`,
        () => daemon.logLines.some((l) => l.includes("peers.voted")),
      );
      const voted = daemon.logLines.find((l) => l.includes("peers.voted"))!;
      assert.match(voted, new RegExp(`peer=127\\.0\\.7\\.1\\|${liarPort} stored=[1-9]`));
    }

    const third = await world.daemon({
      server: { listen: "127.0.7.13" },
      peers: { wait: 3 },
    });
    await readIndexes(third, world.archive);
    const asked = liar.requests.length;
    const got = await get(third.base, world.archive, POOL);
    assert.equal(got.source, "mirror");
    assert.deepEqual(got.body, world.data);
    assert.equal(liar.requests.length, asked, "the third daemon never asked the liar");
    const row = await peerRow(third, liarPort);
    assert.equal(row.voters, 2, "two voters");
    assert.equal(row.score, 0);
    assert.equal(row.hash_errors, 0, "it never caught the liar itself");
    assert.ok(third.logLines.some((l) => l.includes("peers.votes_read") && l.includes("voters=2")));
  },
});
