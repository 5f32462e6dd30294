/** What the download engine reports about a peer lands in that peer's record. */

import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/mod.ts";
import { PeerRecords, recordedDownloadPeers } from "../../src/peers/mod.ts";

Deno.test("deliveries, wrong bytes, failures and requests in flight reach the peer's record", () => {
  const db = openDatabase(":memory:");
  try {
    const records = new PeerRecords(db);
    const peers = recordedDownloadPeers(records, {
      request: () => Promise.reject(new Error("unused")),
    });
    const peer = { address: "192.0.2.10", port: 9977 };
    const record = () => records.get(peer.address, peer.port);

    peers.busy!(peer, 1);
    assert.equal(record().pending, 1);
    peers.report(peer, { kind: "delivered", bytes: 1_000_000, lagMs: 40, totalMs: 500 });
    assert.equal(record().bytesDown, 1_000_000);
    assert.equal(record().lagMs, 40);
    peers.busy!(peer, -1);
    assert.equal(record().pending, 0);

    peers.report(peer, { kind: "failed" });
    assert.equal(record().failures, 1);
    peers.report(peer, { kind: "wrong" });
    assert.equal(record().hashErrors.length, 1);
    assert.ok(records.score(record()) < 1, "blamed: ranked lower");
    // Another peer is another record.
    assert.equal(records.get("192.0.2.11", 9977).bytesDown, 0);
  } finally {
    db.close();
  }
});
