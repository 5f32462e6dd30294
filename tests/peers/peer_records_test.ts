import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/mod.ts";
import { PeerRecords } from "../../src/peers/mod.ts";
import { scoreOf } from "../../src/peers/peer_records.ts";

const base = {
  address: "10.0.0.1",
  port: 9977,
  bytesDown: 0,
  bytesUp: 0,
  failures: 0,
  pending: 0,
  voters: 0,
};

Deno.test("scoreOf() multiplies the factors of DESIGN.md", () => {
  const now = 10_000_000;
  const fresh = { ...base, hashErrors: [], speed: 0, lagMs: 0, lastUsed: now - 1000 };
  assert.equal(scoreOf(fresh, 100, now), 1, "unmeasured, no errors, connection open");
  assert.equal(scoreOf({ ...fresh, lastUsed: 0 }, 100, now), 0.9, "no open connection");
  assert.equal(scoreOf({ ...fresh, speed: 50 }, 100, now), 0.5, "half the fastest speed");
  assert.equal(scoreOf({ ...fresh, lagMs: 7500 }, 100, now), 0.5, "7.5 s to the first byte");
  assert.equal(scoreOf({ ...fresh, lagMs: 20_000 }, 100, now), 0, "15 s or more");
  assert.equal(scoreOf({ ...fresh, pending: 5 }, 100, now), 0.5, "5 of 10 pending requests");
  assert.ok(
    Math.abs(scoreOf({ ...fresh, hashErrors: [now - 1] }, 100, now) - 2 / 3) < 1e-9,
    "one error today",
  );
  assert.equal(
    scoreOf({ ...fresh, hashErrors: [now - 1, now - 2, now - 3] }, 100, now),
    0,
    "three errors",
  );
  assert.equal(
    scoreOf({ ...fresh, hashErrors: [now - 25 * 3600_000] }, 100, now),
    1,
    "yesterday's error is forgiven",
  );
  assert.equal(scoreOf({ ...fresh, voters: 1 }, 100, now), 0.5, "one daemon voted against it");
  assert.equal(scoreOf({ ...fresh, voters: 2 }, 100, now), 0, "several did");
});

Deno.test("PeerRecords.rank() leaves out a peer several daemons voted against, ranks one voter's last", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const db = openDatabase(`${dir}/state.db`);
    const records = new PeerRecords(db);
    const peers = [1, 2, 3].map((i) => ({ address: `10.0.0.${i}`, port: 9977 }));
    records.judged("10.0.0.1", 9977, 1);
    records.judged("10.0.0.2", 9977, 2);
    assert.deepEqual(records.rank(peers).map((p) => p.address), ["10.0.0.3", "10.0.0.1"]);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("PeerRecords rank peers, keep blame and bytes, and survive a restart", () => {
  const dir = Deno.makeTempDirSync();
  try {
    let db = openDatabase(`${dir}/db`);
    let records = new PeerRecords(db);
    const fast = records.get("10.0.0.1", 1),
      slow = records.get("10.0.0.2", 1),
      liar = records.get("10.0.0.3", 1);
    records.delivered(fast, 1_000_000, 10, 100);
    records.delivered(slow, 1_000_000, 10, 1000);
    records.blame(liar);
    // Proven to have sent wrong data: not asked again for a day, whatever else it scores.
    assert.deepEqual(records.rank([liar, fast]).map((p) => p.address), ["10.0.0.1"]);
    records.blame(liar);
    records.blame(liar); // three strikes today: score 0
    records.uploaded("10.0.0.2", 5000);
    assert.deepEqual(
      records.rank([liar, slow, fast]).map((p) => p.address),
      ["10.0.0.1", "10.0.0.2"],
    );
    db.close();
    db = openDatabase(`${dir}/db`);
    records = new PeerRecords(db);
    const again = records.all();
    assert.equal(again.length, 3);
    const liarAgain = again.find((p) => p.address === "10.0.0.3")!;
    assert.equal(liarAgain.hashErrors.length, 3, "blame is kept");
    assert.equal(liarAgain.score, 0);
    const tomorrow = new PeerRecords(db, () => Date.now() + 25 * 3600_000);
    assert.deepEqual(
      tomorrow.rank([liarAgain, slow]).map((p) => p.address).sort(),
      ["10.0.0.2", "10.0.0.3"],
      "a day later it may be asked again",
    );
    assert.equal(again.find((p) => p.address === "10.0.0.2")!.bytesUp, 5000);
    assert.equal(again.find((p) => p.address === "10.0.0.1")!.bytesDown, 1_000_000);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("requests in flight to a peer lower its score until they end", () => {
  const records = new PeerRecords(openDatabase(":memory:"));
  const record = records.get("10.0.0.2", 9977);
  const idle = records.score(record);
  records.busy(record, 1);
  records.busy(record, 1);
  assert.ok(records.score(record) < idle);
  records.busy(record, -1);
  records.busy(record, -1);
  records.busy(record, -1); // an extra end never makes it negative
  assert.equal(records.score(record), idle);
});
