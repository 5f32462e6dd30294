import assert from "node:assert/strict";
import { evict } from "../../src/cache/eviction.ts";
import { openDatabase } from "../../src/db/mod.ts";
import { newHasher } from "../../src/hash/mod.ts";
import { testStore } from "../helpers/cache_store.ts";
import { OLD_ROWS, OLD_TABLES } from "../db/old_schema.ts";
import { DatabaseSync } from "node:sqlite";

const LIST = new TextEncoder().encode("d5:piecei524288ee");

/** Commits `text` under `key` with a piece list, as the pipeline does for large files. */
async function putWithPieces(t: Awaited<ReturnType<typeof testStore>>, key: string, text: string) {
  const partial = await t.store.createPartial();
  const bytes = new TextEncoder().encode(text);
  await partial.file.write(bytes);
  const sha256 = newHasher("sha256").update(bytes).hexdigest();
  await t.store.commit(partial, key, { sha256, announce: true, pieceList: LIST });
  partial.file.close();
  return sha256;
}

Deno.test("remove() takes the file's piece list with it, once no other key has that content", async () => {
  await using t = await testStore();
  const sha256 = await putWithPieces(t, "m/pool/big.deb", "big");
  const record = t.store.open("m/pool/big.deb")!;
  record.file.close();
  await t.store.linkAs(record, "m/by-hash/big");
  const sha1 = t.store.pieceListKey(sha256)!;
  assert.ok(t.store.pieceList(sha1));

  await t.store.remove("m/pool/big.deb");
  assert.ok(t.store.pieceList(sha1), "another key still has the content");
  await t.store.remove("m/by-hash/big");
  assert.equal(t.store.pieceList(sha1), undefined);
  assert.equal(t.store.pieceListKey(sha256), undefined);
});

Deno.test("an evicted file's piece list goes too; a kept file's stays", async () => {
  await using t = await testStore();
  const gone = await putWithPieces(t, "m/pool/a.deb", "a".repeat(100));
  const kept = await putWithPieces(t, "m/pool/b.deb", "b".repeat(100));
  await evict(t.store, {
    maxBytes: 150,
    expireDays: 0,
    expires: () => true,
    lastListed: () => undefined,
    inUseMs: 0,
  });
  assert.equal(t.store.pieceListKey(gone), undefined);
  assert.ok(t.store.pieceListKey(kept));
});

Deno.test("a file committed again with other content drops the old content's piece list", async () => {
  await using t = await testStore();
  const first = await putWithPieces(t, "m/dists/x/Contents-amd64", "one");
  await t.put("m/dists/x/Contents-amd64", "two");
  assert.equal(t.store.pieceListKey(first), undefined);
});

Deno.test("migration 2 drops piece lists an older version left without their file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const old = new DatabaseSync(`${dir}/apt-dht.db`);
    for (const table of ["files", "piece_lists"]) {
      for (const sql of OLD_TABLES[table]) old.exec(sql);
      old.exec(OLD_ROWS[table]); // piece list 'cc' of file content 'aa'
    }
    old.exec("INSERT INTO piece_lists VALUES ('c2', 'orphan', x'03')");
    old.close();
    const db = openDatabase(`${dir}/apt-dht.db`);
    const rows = db.prepare("SELECT sha1 FROM piece_lists").all().map((r) => r.sha1);
    assert.deepEqual(rows, ["cc"]);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
