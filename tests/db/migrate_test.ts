import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/mod.ts";
import { SchemaTooNewError } from "../../src/db/errors.ts";
import { migrate, schemaVersion } from "../../src/db/migrate.ts";
import { MIGRATIONS } from "../../src/db/migrations.ts";
import { OLD_COLUMN_ADDITIONS, OLD_ROWS, OLD_TABLES } from "./old_schema.ts";

/** Every table's columns and every index, as sqlite describes them. */
function schemaOf(db: DatabaseSync): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const objects = db.prepare(
    "SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
  ).all() as { type: string; name: string; tbl_name: string }[];
  for (const o of objects) {
    if (o.type === "table") {
      const columns = db.prepare(`PRAGMA table_info(${o.name})`).all() as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      out[o.name] = columns.map((c) => `${c.name} ${c.type} ${c.notnull} ${c.dflt_value} ${c.pk}`)
        .sort();
    } else out[`${o.type} ${o.name}`] = [o.tbl_name];
  }
  return out;
}

/** A pre-versioned database file made with the old statements: these tables, these probes run. */
async function oldDatabase(tables: readonly string[], probed: boolean): Promise<string> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/apt-dht.db`;
  const db = new DatabaseSync(path);
  for (const table of tables) {
    for (const sql of OLD_TABLES[table]) db.exec(sql);
    db.exec(OLD_ROWS[table]);
    if (probed) { for (const sql of OLD_COLUMN_ADDITIONS[table] ?? []) db.exec(sql); }
  }
  db.close();
  return path;
}

async function freshSchema(): Promise<Record<string, string[]>> {
  const dir = await Deno.makeTempDir();
  try {
    const db = openDatabase(`${dir}/apt-dht.db`);
    const schema = schemaOf(db);
    db.close();
    return schema;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openDatabase() creates every table of a fresh database and records the version", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = openDatabase(`${dir}/apt-dht.db`);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    assert.deepEqual(
      Object.keys(schemaOf(db)).filter((name) => !name.includes(" ")).sort(),
      [
        ...Object.keys(OLD_TABLES),
        "unfinished_ingests",
        "listing_contents",
        "listing_files",
        "listing_sources",
        "traffic_hours",
      ].sort(),
    );
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDatabase() brings an unversioned database with every old table to the current schema, rows kept", async () => {
  const expected = await freshSchema();
  for (const probed of [false, true]) {
    const path = await oldDatabase(Object.keys(OLD_TABLES), probed);
    try {
      const db = openDatabase(path);
      assert.equal(schemaVersion(db), MIGRATIONS.length);
      assert.deepEqual(schemaOf(db), expected, `probed columns present: ${probed}`);
      for (const table of Object.keys(OLD_TABLES)) {
        const { n } = db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number };
        assert.equal(n, 1, `${table} keeps its row`);
      }
      // A file's last use starts as its last check, as the old probe did.
      assert.deepEqual(
        { ...db.prepare("SELECT used_at, sha256 FROM files").get() },
        { used_at: 5000, sha256: "aa" },
      );
      assert.deepEqual(
        { ...db.prepare("SELECT sha256, sha512 FROM index_entries").get() },
        { sha256: "aa", sha512: null },
      );
      db.close();
    } finally {
      await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    }
  }
});

Deno.test("openDatabase() completes an unversioned database that has only some of the old tables", async () => {
  const expected = await freshSchema();
  const subsets = [
    [],
    ["files"],
    ["index_entries", "listings"],
    ["files", "piece_lists", "hash_failures", "counters"],
    ["peers", "dht_state", "release_trust", "signed_releases", "listing_versions"],
  ];
  for (const subset of subsets) {
    const path = await oldDatabase(subset, false);
    try {
      const db = openDatabase(path);
      assert.deepEqual(schemaOf(db), expected, subset.join(","));
      for (const table of subset) {
        const { n } = db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number };
        assert.equal(n, 1, `${table} keeps its row`);
      }
      db.close();
    } finally {
      await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    }
  }
});

Deno.test("migrate() runs each step once, in order, and not again on the next open", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ran: string[] = [];
    const steps = [
      { why: "one", up: () => ran.push("one") },
      {
        why: "two",
        up: (db: DatabaseSync) => {
          db.exec("CREATE TABLE t (x)");
          ran.push("two");
        },
      },
    ];
    const db = new DatabaseSync(`${dir}/db`);
    assert.deepEqual(migrate(db, steps), [1, 2]);
    assert.deepEqual(migrate(db, steps), []);
    assert.deepEqual(ran, ["one", "two"]);
    assert.equal(schemaVersion(db), 2);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("migrate() rolls a failed step back and leaves the version where it was", () => {
  const db = new DatabaseSync(":memory:");
  const steps = [
    { why: "ok", up: (db: DatabaseSync) => db.exec("CREATE TABLE a (x)") },
    {
      why: "fails",
      up: (db: DatabaseSync) => {
        db.exec("CREATE TABLE b (x)");
        throw new Error("step failed");
      },
    },
  ];
  assert.throws(() => migrate(db, steps), /step failed/);
  assert.equal(schemaVersion(db), 1);
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all()
    .map((r) => r.name);
  assert.deepEqual(tables, ["a"]);
});

Deno.test("migrate() refuses a database a newer apt-dht has migrated further", () => {
  const db = new DatabaseSync(":memory:");
  db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
  assert.throws(() => migrate(db), SchemaTooNewError);
});
