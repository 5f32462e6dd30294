import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { transaction } from "../../src/db/mod.ts";

Deno.test("transaction() on a full database throws the full-disk error, not sqlite's own rollback's", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (v BLOB)");
  db.exec("PRAGMA max_page_count = 20"); // a full disk, as sqlite sees it
  const insert = db.prepare("INSERT INTO t VALUES (?)");
  assert.throws(
    () =>
      transaction(db, () => {
        for (let i = 0; i < 100; i++) insert.run(new Uint8Array(4000));
      }),
    /database or disk is full/,
  );
  assert.equal(db.isTransaction, false);
  assert.equal(transaction(db, () => 1), 1, "usable afterwards");
  db.close();
});

Deno.test("transaction() rolls back what fn wrote when fn throws", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (v INTEGER)");
  assert.throws(() =>
    transaction(db, () => {
      db.exec("INSERT INTO t VALUES (1)");
      throw new Error("boom");
    }), /boom/);
  assert.equal((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 0);
  db.close();
});
