import assert from "node:assert/strict";
import { ClientActivity, CLIENTS_KEPT } from "../../src/stats/client_activity.ts";
import { MirrorHealth } from "../../src/stats/mirror_health.ts";
import { RecentTable } from "../../src/stats/recent_table.ts";

Deno.test("RecentTable keeps the most recently touched rows and drops the oldest past its limit", () => {
  const table = new RecentTable(3, (key) => ({ key, n: 0 }));
  for (const key of ["a", "b", "c"]) table.touch(key).n++;
  table.touch("a").n++; // a is the latest now
  table.touch("d");
  assert.deepEqual(table.rows().map((r) => r.key), ["d", "a", "c"], "b went: touched longest ago");
  assert.equal(table.rows()[1].n, 2);
});

Deno.test("ClientActivity counts requests, bytes and cache hits per address, bounded", () => {
  const clients = new ClientActivity();
  clients.served("10.0.0.2", "mirror", 100, 1);
  clients.served("10.0.0.2", "cache", 100, 2);
  clients.served("10.0.0.2", "revalidated", 10, 3);
  clients.served("10.0.0.3", "peer", 5, 4);
  assert.deepEqual(clients.all(), [
    { address: "10.0.0.3", requests: 1, bytes: 5, hits: 0, lastSeen: 4 },
    { address: "10.0.0.2", requests: 3, bytes: 210, hits: 2, lastSeen: 3 },
  ]);
  for (let i = 0; i < CLIENTS_KEPT + 50; i++) {
    clients.served(`fd00::${i.toString(16)}`, "cache", 1, 5);
  }
  assert.equal(clients.all().length, CLIENTS_KEPT);
});

Deno.test("MirrorHealth: failures (no answer, 5xx, a body cut short) against the latest success; 404 is an answer", () => {
  let now = 1_000;
  const health = new MirrorHealth(() => now);
  const url = "http://deb.example:8080/debian/pool/x.deb";
  health.record(url, { kind: "answered", status: 200 });
  health.record(url, { kind: "bytes", bytes: 300 });
  now = 2_000;
  health.record(url, { kind: "answered", status: 404 });
  let [row] = health.all();
  assert.deepEqual(row, {
    host: "deb.example:8080",
    scheme: "http",
    requests: 2,
    bytes: 300,
    errors: 0,
    lastError: null,
    lastErrorAt: 0,
    lastSuccessAt: 2_000,
  });
  now = 3_000;
  health.record(url, { kind: "answered", status: 503 });
  health.record(url, { kind: "failed", reason: "connect: refused" });
  health.record(url, { kind: "body_failed", reason: "timeout: no data for 30000 ms" });
  [row] = health.all();
  assert.deepEqual(
    [row.requests, row.errors, row.lastError, row.lastErrorAt, row.lastSuccessAt],
    [4, 3, "timeout: no data for 30000 ms", 3_000, 2_000],
  );
  // The same host over https is another mirror.
  health.record("https://deb.example:8080/debian/x", { kind: "answered", status: 200 });
  assert.deepEqual(health.all().map((m) => `${m.scheme}://${m.host}`), [
    "https://deb.example:8080",
    "http://deb.example:8080",
  ]);
});
