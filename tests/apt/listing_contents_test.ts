import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { ArchiveIndex } from "../../src/apt/mod.ts";
import { DATABASE_FILE, openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { writeSyntheticPackages } from "../../scripts/bench/synthetic_packages.ts";

const LISTING = "debian/dists/stable/main/binary-amd64/Packages.xz";
const HELLO = `Package: hello\nFilename: pool/main/h/hello/hello_1_amd64.deb\nSize: 42\nSHA256: ${
  "c".repeat(64)
}\n`;

/** The bytes of the database's pages in use (VACUUM needs an attached database this build lacks). */
function sizeOf(db: DatabaseSync): number {
  const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0] as number;
  return (pragma("page_count") - pragma("freelist_count")) * pragma("page_size");
}

/** Reads the listing at `xz` under each of `names` into a fresh database; results and its size. */
async function ingestUnder(dir: string, xz: string, names: string[]) {
  const path = `${dir}/${names.length}/${DATABASE_FILE}`;
  await Deno.mkdir(`${dir}/${names.length}`);
  const db = openDatabase(path);
  try {
    const index = new ArchiveIndex(db, new Logger("error"));
    const results = [];
    for (const name of names) results.push(await index.ingest(name, xz));
    const found = names.map((name) =>
      index.lookup(`${name.slice(0, name.indexOf("/dists/"))}/pool/main/h/hello/hello_1_amd64.deb`)
        ?.sha256
    );
    return { results, found, bytes: sizeOf(db) };
  } finally {
    db.close();
  }
}

Deno.test("one suite under three names (aliases, another mirror) is parsed once and stored once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { xz } = await writeSyntheticPackages(dir, 20_000, { xzLevel: 0, extra: HELLO });
    const names = ["mirror.example", "alias-one", "other-mirror.example"].map((site) =>
      `${site}/${LISTING}`
    );
    const one = await ingestUnder(dir, xz, names.slice(0, 1));
    const three = await ingestUnder(dir, xz, names);
    assert.deepEqual(three.results, [
      { kind: "packages", entries: 20_001 },
      { kind: "packages", entries: 20_001, reused: true },
      { kind: "packages", entries: 20_001, reused: true },
    ]);
    assert.deepEqual(three.found, names.map(() => "c".repeat(64)));
    const ratio = three.bytes / one.bytes;
    assert.ok(ratio <= 1.2, `three names take ${ratio.toFixed(2)}× one name's database`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a listing's next version replaces its content; the old one goes once no listing names it", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(":memory:");
  try {
    let now = 1_000;
    const index = new ArchiveIndex(db, new Logger("error"), () => now);
    const contents = () =>
      (db.prepare("SELECT count(*) AS n FROM listing_contents").get() as { n: number }).n;
    const publish = async (name: string, text: string) => {
      await Deno.writeTextFile(`${dir}/Packages`, text);
      return await index.ingest(name, `${dir}/Packages`);
    };
    const first = HELLO + "\nPackage: gone\nFilename: pool/main/g/gone.deb\nSize: 1\nSHA256: " +
      "d".repeat(64) + "\n";
    const [a, b] = [
      "a.example/debian/dists/s/main/Packages",
      "b.example/debian/dists/s/main/Packages",
    ];
    await publish(a, first);
    await publish(b, first); // an alias of the same content
    assert.equal(contents(), 1);
    now = 2_000;
    assert.deepEqual(await publish(a, HELLO), { kind: "packages", entries: 1 });
    assert.equal(contents(), 2, "b still names the first version");
    // Dropped from a's newest version: still known, aging from when a last listed it.
    assert.equal(index.lookup("a.example/debian/pool/main/g/gone.deb")?.sha256, "d".repeat(64));
    assert.equal(index.lastListed("a.example/debian/pool/main/g/gone.deb", () => undefined), 1_000);
    assert.equal(index.lastListed("b.example/debian/pool/main/g/gone.deb", () => undefined), 1_000);
    assert.equal(
      index.lastListed("a.example/debian/pool/main/h/hello/hello_1_amd64.deb", () => undefined),
      2_000,
    );
    assert.deepEqual(await publish(b, HELLO), { kind: "packages", entries: 1, reused: true });
    const dropped = () =>
      (db.prepare("SELECT count(*) AS n FROM index_entries WHERE url LIKE '%gone.deb'").get() as {
        n: number;
      }).n;
    assert.equal(dropped(), 2);
    now = 3_000;
    await publish(a, first); // listed again: the content says so, the dropped row goes
    assert.equal(dropped(), 1);
    assert.equal(index.lastListed("a.example/debian/pool/main/g/gone.deb", () => undefined), 3_000);
    await publish(a, HELLO);
    assert.equal(contents(), 1, "no listing names the first version any more");
    assert.deepEqual(index.trustedAmong(["c".repeat(64)]), new Set());
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
