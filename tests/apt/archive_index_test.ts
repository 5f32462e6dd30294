import assert from "node:assert/strict";
import { ArchiveIndex } from "../../src/apt/mod.ts";
import { openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { sha256 } from "../helpers/archive.ts";
import { testSigner } from "../helpers/signing.ts";
import { TrustedKeys } from "../../src/trust/mod.ts";

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
      trusted: false, // an unsigned Release: its hashes check the mirror, never call in peers
    });
    assert.equal(index.lookup(byHash)?.name, canonical);

    // apt fetches the by-hash URL; it is parsed as the Packages.xz it stands for.
    await Deno.writeFile(`${dir}/blob`, packedXz);
    assert.deepEqual(await index.ingest(byHash, `${dir}/blob`), { kind: "packages", entries: 1 });
    assert.deepEqual(index.lookup("m.example/debian/pool/main/h/hello/hello_1_amd64.deb"), {
      size: 42,
      sha256: "c".repeat(64),
      trusted: false,
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
  // apt took the hash in the URL from a Release it verified itself.
  assert.deepEqual(index.lookup(`h/debian/dists/x/main/by-hash/SHA256/${"a".repeat(64)}`), {
    sha256: "a".repeat(64),
    trusted: true,
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

Deno.test("trust flows from a verified InRelease to the Packages it lists and the files those list", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(":memory:");
  try {
    const signer = await testSigner();
    const rogue = await testSigner("rogue");
    const index = new ArchiveIndex(db, new Logger("error"), Date.now, {
      keys: new TrustedKeys({ apt: false, extra: [signer.keyring] }),
    });
    const packages = `Package: a\nFilename: pool/a.deb\nSize: 1\nSHA256: ${"d".repeat(64)}\n`;
    const release = `Suite: s\nSHA256:\n ${sha256(packages)} ${packages.length} main/Packages\n`;
    for (const [site, by] of [["good", signer], ["bad", rogue]] as const) {
      await Deno.writeTextFile(`${dir}/InRelease`, await by.clearsign(release));
      await index.ingest(`${site}/d/dists/s/InRelease`, `${dir}/InRelease`);
      await Deno.writeTextFile(`${dir}/Packages`, packages);
      await index.ingest(`${site}/d/dists/s/main/Packages`, `${dir}/Packages`);
    }
    assert.equal(index.lookup("good/d/dists/s/main/Packages")?.trusted, true);
    assert.equal(index.lookup("good/d/pool/a.deb")?.trusted, true);
    assert.equal(index.lookup("bad/d/dists/s/main/Packages")?.trusted, false);
    assert.equal(index.lookup("bad/d/pool/a.deb")?.trusted, false);
    assert.equal(
      index.lookup("bad/d/pool/a.deb")?.sha256,
      "d".repeat(64),
      "still checks the mirror",
    );
    const records = index.releases.all();
    assert.deepEqual(records.map((r) => [r.release, r.trusted]), [
      ["bad/d/dists/s/InRelease", false],
      ["good/d/dists/s/InRelease", true],
    ]);
    // Kept across restarts.
    const again = new ArchiveIndex(db, new Logger("error"));
    assert.equal(again.lookup("good/d/pool/a.deb")?.trusted, true);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lastListed(): listed while the newest Packages lists it and its Release is in use; dropped files age", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(":memory:");
  let now = 1_000_000;
  try {
    const index = new ArchiveIndex(db, new Logger("error"), () => now);
    const stanza = (name: string) =>
      `Package: ${name}\nFilename: pool/main/${name}.deb\nSize: 1\nSHA256: ${"d".repeat(64)}\n\n`;
    const site = "m.example/debian";
    const publish = async (packages: string) => {
      await Deno.writeTextFile(`${dir}/Packages`, packages);
      await Deno.writeTextFile(
        `${dir}/Release`,
        `Suite: stable\nSHA256:\n ${
          sha256(new TextEncoder().encode(packages))
        } ${packages.length} main/binary-amd64/Packages\n`,
      );
      await index.ingest(`${site}/dists/stable/Release`, `${dir}/Release`);
      await index.ingest(`${site}/dists/stable/main/binary-amd64/Packages`, `${dir}/Packages`);
    };
    await publish(stanza("kept") + stanza("dropped"));
    now = 2_000_000;
    await publish(stanza("kept"));
    // apt keeps using the Release (revalidated or served) long after: what it lists stays listed.
    const releaseUsed = 9_000_000;
    const usedAt = (key: string) => key.endsWith("/Release") ? releaseUsed : undefined;
    assert.equal(index.lastListed(`${site}/pool/main/kept.deb`, usedAt), releaseUsed);
    assert.equal(index.lastListed(`${site}/pool/main/dropped.deb`, usedAt), 1_000_000);
    assert.equal(index.lastListed(`${site}/pool/main/never.deb`, usedAt), undefined);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a by-hash Packages committed while its Release is still being read is read once the Release is", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(":memory:");
  try {
    const index = new ArchiveIndex(db, new Logger("error"));
    const packages = `Package: a\nFilename: pool/a.deb\nSize: 1\nSHA256: ${"d".repeat(64)}\n`;
    const packed = await xz(packages);
    await Deno.writeFile(`${dir}/blob`, packed);
    await Deno.writeTextFile(
      `${dir}/Release`,
      `Suite: s\nSHA256:\n ${sha256(packed)} ${packed.length} main/binary-amd64/Packages.xz\n`,
    );
    const site = "m.example/debian";
    // As the daemon sees apt: the InRelease's read starts, and the by-hash file arrives before
    // it ends (it did not know yet what the file is).
    index.ingestInBackground(`${site}/dists/s/Release`, `${dir}/Release`);
    index.ingestInBackground(
      `${site}/dists/s/main/binary-amd64/by-hash/SHA256/${sha256(packed)}`,
      `${dir}/blob`,
    );
    assert.equal(index.busyFor(`${site}/pool/a.deb`), true);
    await index.settledFor(`${site}/pool/a.deb`);
    assert.equal(index.lookup(`${site}/pool/a.deb`)?.sha256, "d".repeat(64));
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
