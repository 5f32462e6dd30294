import assert from "node:assert/strict";
import { isImmutable } from "../../src/apt/mod.ts";
import { evict } from "../../src/cache/eviction.ts";
import { testStore } from "../helpers/cache_store.ts";

const DAY = 86_400_000;

Deno.test("over the size limit, the least recently used files go first, but never one in use", async () => {
  await using t = await testStore();
  const start = 1_000 * DAY;
  for (const [i, name] of ["a", "b", "c", "d"].entries()) {
    t.setNow(start + i * 60 * 60_000);
    await t.put(`m/pool/${name}.deb`, name.repeat(100));
  }
  // a is used again (a day later), c is opened right now (being served).
  t.setNow(start + DAY);
  t.store.open("m/pool/a.deb")!.file.close();
  t.setNow(start + 2 * DAY);
  t.store.open("m/pool/c.deb")!.file.close();
  const removed: string[] = [];
  const result = await evict(t.store, {
    maxBytes: 150,
    expireDays: 0,
    expires: isImmutable,
    lastListed: () => undefined,
    now: () => start + 2 * DAY,
  }, (key) => removed.push(key));
  // Oldest use first: b, d (c is in use), then a; 100 bytes are left (c).
  assert.deepEqual(removed, ["m/pool/b.deb", "m/pool/d.deb", "m/pool/a.deb"]);
  assert.equal(result.evicted, 3);
  assert.equal(result.bytesFreed, 300);
  assert.deepEqual(t.store.stats(), { files: 1, bytes: 100 });
});

Deno.test("pool files no index has listed for expire_days go; indexes and listed files stay", async () => {
  await using t = await testStore();
  const start = 1_000 * DAY;
  t.setNow(start);
  await t.put("m/pool/old.deb", "old");
  await t.put("m/pool/listed.deb", "listed");
  await t.put("m/pool/never-listed.deb", "never");
  await t.put("m/dists/stable/InRelease", "release");
  const listed: Record<string, number> = {
    "m/pool/old.deb": start - 20 * DAY,
    "m/pool/listed.deb": start + 40 * DAY,
  };
  const removed: string[] = [];
  t.setNow(start + 45 * DAY);
  const result = await evict(t.store, {
    maxBytes: 0,
    expireDays: 30,
    expires: isImmutable,
    lastListed: (key) => listed[key],
    now: () => start + 45 * DAY,
  }, (key, reason) => removed.push(`${key}: ${reason}`));
  assert.deepEqual(removed.sort(), [
    "m/pool/never-listed.deb: not listed for 45 days", // counted from when it was fetched
    "m/pool/old.deb: not listed for 65 days",
  ]);
  assert.equal(result.expired, 2);
  assert.ok(t.store.open("m/dists/stable/InRelease"), "indexes are not expired");
});
