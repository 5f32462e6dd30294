/**
 * Votes about peers in a private DHT on loopback UDP: stored under
 * NOT(accused), read back verified from `get` answers; a bad signature is
 * refused by the stores and ignored by readers, a flood from one voter
 * counts once, and a node that speaks only mainline (204 to apt_vote, no
 * votes in its `get` answers) is left out.
 */

import assert from "node:assert/strict";
import { DhtNode, randomId, UdpSocket } from "../../src/dht/mod.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import type { Message, Vote } from "../../src/dht/krpc/messages.ts";
import { voteTarget } from "../../src/dht/vote.ts";
import { voter } from "../helpers/voter.ts";
import { VoteStore } from "../../src/dht/vote_store.ts";
import { MAX_VOTES_PER_SOURCE } from "../../src/dht/constants.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

const forged = (vote: Vote): Vote => ({
  ...vote,
  sig: vote.sig.map((b, i) => (i === 0 ? b ^ 1 : b)),
});

Deno.test("VoteStore keeps one vote per key and per source, verified, current, about its target", async () => {
  let now = Date.now();
  const store = new VoteStore(() => now);
  const accused = randomId();
  const target = voteTarget(accused);
  const a = await voter();
  const b = await voter();
  assert.equal(store.offer(target, await a(accused), "10.0.0.1"), undefined);
  assert.equal(store.offer(target, forged(await b(accused)), "10.0.0.2"), "bad signature");
  assert.equal(store.offer(randomId(), await b(accused), "10.0.0.2"), "wrong target");
  assert.equal(
    store.offer(target, await b(accused, now - 25 * 3600_000), "10.0.0.2"),
    "expired",
  );
  assert.equal(
    store.offer(target, await b(accused, now + 3 * 3600_000), "10.0.0.2"),
    "expired",
  );
  // The same key again replaces its vote; another key from the same address replaces it too.
  assert.equal(store.offer(target, await a(accused, now - 1000), "10.0.0.1"), undefined);
  assert.equal(store.offer(target, await b(accused), "10.0.0.1"), undefined);
  assert.equal(store.size, 1);
  assert.equal(store.offer(target, await a(accused), "10.0.0.3"), undefined);
  assert.equal(store.get(target, 10).length, 2);
  now += 3 * 3600_000; // past the store's two hours
  store.expire();
  assert.equal(store.size, 0);
});

Deno.test("VoteStore: a source at its limit may replace its votes, and a refused one costs it none", async () => {
  const store = new VoteStore(() => Date.now());
  const sign = await voter();
  const accused = Array.from({ length: MAX_VOTES_PER_SOURCE + 1 }, () => randomId());
  for (const id of accused.slice(0, -1)) {
    assert.equal(store.offer(voteTarget(id), await sign(id), "10.0.0.9"), undefined);
  }
  const last = accused.at(-1)!;
  assert.equal(store.offer(voteTarget(last), await sign(last), "10.0.0.9"), "storage limit");
  assert.equal(store.size, MAX_VOTES_PER_SOURCE, "the refused vote replaced nothing");
  // A newer vote about one it holds replaces that one.
  assert.equal(store.offer(voteTarget(accused[0]), await sign(accused[0]), "10.0.0.9"), undefined);
  assert.equal(store.size, MAX_VOTES_PER_SOURCE);
  // Under another key, from the same address, for a target it holds: a replacement too.
  const other = await voter();
  assert.equal(store.offer(voteTarget(accused[1]), await other(accused[1]), "10.0.0.9"), undefined);
  assert.equal(store.get(voteTarget(accused[1]), 10).length, 1);
});

Deno.test({
  ...options,
  name:
    "votes are read back verified from the nodes nearest NOT(accused); a flood from one voter counts once",
  async fn() {
    await using network = await startDhtNetwork(10);
    const [, publisher, flooder, , , reader] = network.nodes;
    const accused = randomId();
    const honest = await voter();
    assert.ok(await publisher.votes.publish(await honest(accused)) >= 3, "stored by several nodes");
    assert.equal((await reader.votes.read(accused)).length, 1);
    assert.equal((await reader.votes.read(randomId())).length, 0, "nothing about another node");

    // A bad signature: refused by every store, so nobody can read it.
    const other = randomId();
    const liar = await voter();
    assert.equal(await publisher.votes.publish(forged(await liar(other))), 0);
    assert.equal((await reader.votes.read(other)).length, 0);

    // One key, many votes; then many keys from one address: one voter either way.
    const flooded = randomId();
    const one = await voter();
    for (let i = 0; i < 20; i++) {
      await flooder.votes.publish(await one(flooded, Date.now() - i * 1000));
    }
    assert.equal((await reader.votes.read(flooded)).length, 1, "one key counts once");
    for (let i = 0; i < 10; i++) await flooder.votes.publish(await (await voter())(flooded));
    assert.equal(
      (await reader.votes.read(flooded)).length,
      1,
      "one address holds one vote per target",
    );
    // An independent voter elsewhere counts.
    assert.ok(await publisher.votes.publish(await honest(flooded)) >= 1);
    assert.equal((await reader.votes.read(flooded)).length, 2);
  },
});

/**
 * A node that speaks KRPC by hand: it answers ping and get (with a token),
 * and apt_vote the way `mode` says: 204 as mainline-only nodes do, or
 * stored; in its `get` answers it sends the votes it is given (a store that
 * forges), or none.
 */
function handNode(mode: { mainline: true } | { votes: Vote[] }) {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.8.1", port: 0 });
  const id = randomId();
  const queries: string[] = [];
  (async () => {
    for await (const [data, from] of socket) {
      let message: Message;
      try {
        message = decodeMessage(data);
      } catch {
        continue;
      }
      if (message.kind !== "query") continue;
      queries.push(message.method);
      const token = Uint8Array.of(1, 2, 3, 4);
      const answer: Message = "mainline" in mode
        ? message.method === "apt_vote"
          ? { kind: "error", tid: message.tid, code: 204, message: "Method Unknown" }
          : { kind: "response", tid: message.tid, body: { id, token } }
        : { kind: "response", tid: message.tid, body: { id, token, votes: mode.votes } };
      await socket.send(encodeMessage(answer), from).catch(() => {});
    }
  })().catch(() => {});
  const addr = socket.addr as Deno.NetAddr;
  return {
    endpoint: { address: addr.hostname, port: addr.port },
    queries,
    close: () => socket.close(),
  };
}

Deno.test({
  ...options,
  name:
    "a reader ignores forged votes a store serves, and a mainline-only node's 204 breaks nothing",
  async fn() {
    const accused = randomId();
    const good = await (await voter())(accused);
    const forger = handNode({ votes: [forged(await (await voter())(accused)), good] });
    const mainline = handNode({ mainline: true });
    const reader = new DhtNode({
      socket: new UdpSocket("127.0.8.2", 0),
      bootstrap: [forger.endpoint, mainline.endpoint],
    });
    try {
      await reader.start();
      const votes = await reader.votes.read(accused);
      assert.equal(votes.length, 1, "the forged one is ignored, the signed one counts");
      assert.deepEqual(votes[0].sig, good.sig);
      assert.ok(mainline.queries.includes("get"), "the mainline node was asked, answered no votes");
      // Publishing past a mainline node: the others still store it.
      const stored = await reader.votes.publish(good);
      assert.ok(mainline.queries.includes("apt_vote"));
      assert.equal(stored, 2, "our own store and the hand node that answers; not the mainline one");
    } finally {
      await reader.stop();
      forger.close();
      mainline.close();
    }
  },
});
