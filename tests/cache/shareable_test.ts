import assert from "node:assert/strict";
import { testStore } from "../helpers/cache_store.ts";

Deno.test("a peer's request for a hash held nowhere never reaches the archive index", async () => {
  await using cache = await testStore();
  let asked = 0;
  const trusted = () => (asked++, true);
  assert.equal(cache.store.openShareable("ab".repeat(32), trusted), undefined);
  assert.equal(asked, 0, "the index was asked about a hash no shared file has");
  const sha256 = await cache.put("m.example/debian/pool/a.deb", "content");
  const held = cache.store.openShareable(sha256, trusted);
  held?.file.close();
  assert.equal(held?.key, "m.example/debian/pool/a.deb");
  assert.equal(asked, 0, "a cached file announced is served without asking");
});
