/**
 * PeerReputation on a manual clock with a node that answers when told: how
 * long a download waits for votes, what is remembered, and which votes are
 * published again after a restart.
 */

import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/mod.ts";
import type { Endpoint, NodeId, Vote } from "../../src/dht/mod.ts";
import { verifyVote } from "../../src/dht/vote.ts";
import { Logger } from "../../src/log/mod.ts";
import { PeerRecords } from "../../src/peers/mod.ts";
import { PeerReputation, type ReputationNode } from "../../src/peers/reputation.ts";
import { loadVoterKey } from "../../src/peers/voter_key.ts";
import { ManualClock } from "../helpers/manual_clock.ts";

const PEER = { address: "10.1.2.3", port: 9977 };
const ID = new Uint8Array(20).fill(7);

/** A node whose vote reads resolve when the test says, with the votes it says. */
function slowNode() {
  const reads: { accused: NodeId; resolve: (votes: Vote[]) => void }[] = [];
  const published: Vote[] = [];
  const node: ReputationNode = {
    ping: (_endpoint: Endpoint) => Promise.resolve(ID),
    votes: {
      publish: (vote) => {
        published.push(vote);
        return Promise.resolve(3);
      },
      read: (accused) => new Promise((resolve) => reads.push({ accused, resolve })),
    },
  };
  return { node, reads, published };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const fakeVote = (i: number) => ({ key: Uint8Array.of(i) }) as unknown as Vote;

Deno.test("a download waits for a peer's votes at most waitMs from when the peer was found", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const db = openDatabase(`${dir}/state.db`);
    const records = new PeerRecords(db);
    const clock = new ManualClock();
    const { node, reads } = slowNode();
    const reputation = new PeerReputation({
      node: () => node,
      signer: () => loadVoterKey(db),
      records,
      log: new Logger("error"),
      clock,
      waitMs: 300,
    });
    reputation.consider(PEER); // found by the lookup
    clock.advance(200); // the lookup went on a while
    let screened = false;
    const screening = reputation.screen([PEER]).then(() => screened = true);
    await flush();
    clock.advance(99);
    await flush();
    assert.equal(screened, false, "still within 300 ms of being found");
    clock.advance(1);
    await screening;
    assert.equal(
      records.get(PEER.address, PEER.port).voters,
      0,
      "not judged in time: used as it is",
    );
    // The read ends later: the record learns it, and it is remembered (no new read).
    reads[0].resolve([fakeVote(1), fakeVote(2)]);
    await flush();
    assert.equal(records.get(PEER.address, PEER.port).voters, 2);
    assert.deepEqual(records.rank([PEER]), [], "two voters: left out");
    await reputation.screen([PEER]);
    assert.equal(reads.length, 1, "judged 10 minutes ago at most: not read again");
    clock.advance(10 * 60_000);
    void reputation.screen([PEER]);
    await flush();
    assert.equal(reads.length, 2, "read again after 10 minutes");
    reputation.stop();
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("after a restart, the peers blamed within a day get our signed vote again", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const db = openDatabase(`${dir}/state.db`);
    const clock = new ManualClock(Date.now());
    const records = new PeerRecords(db, () => clock.now());
    records.blame(records.get(PEER.address, PEER.port));
    clock.advance(3600_000);
    records.blame(records.get("10.9.9.9", 9977));
    clock.advance(23 * 3600_000); // the first blame is a day old now, the second is not
    const { node, published } = slowNode();
    const key = await loadVoterKey(db);
    const reputation = new PeerReputation({
      node: () => node,
      signer: () => Promise.resolve(key),
      records,
      log: new Logger("error"),
      clock,
    });
    reputation.start();
    for (let i = 0; i < 10 && published.length === 0; i++) await flush();
    assert.equal(published.length, 1);
    const vote = published[0];
    assert.equal(vote.peer.address, "10.9.9.9");
    assert.deepEqual(vote.accused, ID);
    assert.deepEqual(vote.key, key.publicKey);
    assert.ok(verifyVote(vote), "signed by our key");
    // The same key after a restart: our votes stay one voter's.
    assert.deepEqual((await loadVoterKey(db)).publicKey, key.publicKey);
    // Stored again every 45 minutes while it counts.
    clock.advance(45 * 60_000);
    assert.equal(published.length, 2);
    reputation.stop();
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
