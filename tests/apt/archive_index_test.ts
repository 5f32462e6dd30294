import assert from "node:assert/strict";
import { ArchiveIndex } from "../../src/apt/mod.ts";
import { openDatabase } from "../../src/cache/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { sha256 } from "../helpers/archive.ts";

async function xz(text: string): Promise<Uint8Array> {
  const child = new Deno.Command("xz", { args: ["-c"], stdin: "piped", stdout: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  return (await child.output()).stdout;
}

Deno.test("ArchiveIndex learns index hashes from Release, pool hashes from Packages fetched by hash", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(":memory:");
  try {
    const index = new ArchiveIndex(db, new Logger("error"));
    const packages =
      `Package: hello\nFilename: pool/main/h/hello/hello_1_amd64.deb\nSize: 42\nSHA256: ${
        "c".repeat(64)
      }\n`;
    const packedXz = await xz(packages);
    const release = `Suite: stable\nAcquire-By-Hash: yes\nSHA256:\n ${
      sha256(packedXz)
    } ${packedXz.length} main/binary-amd64/Packages.xz\n`;
    await Deno.writeTextFile(`${dir}/Release`, release);
    assert.deepEqual(
      await index.ingest("m.example/debian/dists/stable/Release", `${dir}/Release`),
      {
        kind: "release",
        entries: 1,
      },
    );

    const canonical = "m.example/debian/dists/stable/main/binary-amd64/Packages.xz";
    const byHash = `m.example/debian/dists/stable/main/binary-amd64/by-hash/SHA256/${
      sha256(packedXz)
    }`;
    assert.deepEqual(index.lookup(canonical), {
      size: packedXz.length,
      sha256: sha256(packedXz),
      name: canonical,
    });
    assert.equal(index.lookup(byHash)?.name, canonical);

    // apt fetches the by-hash URL; it is parsed as the Packages.xz it stands for.
    await Deno.writeFile(`${dir}/blob`, packedXz);
    assert.deepEqual(await index.ingest(byHash, `${dir}/blob`), { kind: "packages", entries: 1 });
    assert.deepEqual(index.lookup("m.example/debian/pool/main/h/hello/hello_1_amd64.deb"), {
      size: 42,
      sha256: "c".repeat(64),
    });
    assert.equal(index.lookup("m.example/debian/pool/main/n/nothing.deb"), undefined);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ArchiveIndex takes a by-hash URL's own digest even when nothing listed it", () => {
  const db = openDatabase(":memory:");
  const index = new ArchiveIndex(db, new Logger("error"));
  assert.deepEqual(index.lookup(`h/debian/dists/x/main/by-hash/SHA256/${"a".repeat(64)}`), {
    sha256: "a".repeat(64),
  });
  assert.equal(index.lookup(`h/debian/dists/x/main/by-hash/SHA256/abc`), undefined);
  db.close();
});

Deno.test("ArchiveIndex resolves flat repositories' files against the index's directory", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(":memory:");
  try {
    const index = new ArchiveIndex(db, new Logger("error"));
    await Deno.writeTextFile(
      `${dir}/Packages`,
      `Package: a\nFilename: ./a_1_all.deb\nSize: 1\nSHA256: ${"d".repeat(64)}\n`,
    );
    await index.ingest("h/repo/Packages", `${dir}/Packages`);
    assert.equal(index.lookup("h/repo/a_1_all.deb")?.size, 1);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
