import assert from "node:assert/strict";
import { ArchiveIndex, ListingWorker } from "../../src/apt/mod.ts";
import { DATABASE_FILE, openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { writeSyntheticPackages } from "../../scripts/bench/synthetic_packages.ts";

const LISTING = "m.example/debian/dists/stable/main/binary-amd64/Packages.xz";

/** The helper's figures for one way of reading 30,000 stanzas (see listing_ingest_cpu.ts). */
async function ingestCpu(mode: "worker" | "inline") {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../helpers/listing_ingest_cpu.ts", import.meta.url).pathname,
      mode,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)) as {
    ticks: number;
    seen: { tid: number; nice: number }[];
    mainNice: number;
    result: { kind: string; entries: number };
  };
}

async function withIndex(
  fn: (index: ArchiveIndex, worker: ListingWorker | undefined, dir: string) => Promise<void>,
  offThread = true,
) {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(`${dir}/${DATABASE_FILE}`);
  const worker = offThread
    ? new ListingWorker(`${dir}/${DATABASE_FILE}`, { idleMs: 200 })
    : undefined;
  try {
    await fn(
      new ArchiveIndex(db, new Logger("error"), Date.now, { listingWorker: worker }),
      worker,
      dir,
    );
  } finally {
    worker?.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a Packages read by the listing worker is in the index the serving thread reads, and the worker ends when idle", async () => {
  await withIndex(async (index, worker, dir) => {
    const { xz } = await writeSyntheticPackages(dir, 100, {
      xzLevel: 0,
      extra: `Package: hello\nFilename: pool/main/h/hello/hello_1_amd64.deb\nSize: 42\nSHA256: ${
        "c".repeat(64)
      }\n`,
    });
    assert.deepEqual(await index.ingest(LISTING, xz), { kind: "packages", entries: 101 });
    assert.deepEqual(index.lookup("m.example/debian/pool/main/h/hello/hello_1_amd64.deb"), {
      size: 42,
      sha256: "c".repeat(64),
      trusted: false,
    });
    const version = index.versionOf("m.example/debian/dists/stable/main/binary-amd64/Packages");
    assert.equal(version?.key, LISTING);
    assert.ok(worker!.running);
    await new Promise((r) => setTimeout(r, 400)); // idle longer than its 200 ms: ended
    assert.equal(worker!.running, false);
  });
});

Deno.test("the listing worker reads at nice 19 and leaves the serving thread's CPU free", async () => {
  const [offThread, inline] = [await ingestCpu("worker"), await ingestCpu("inline")];
  for (const run of [offThread, inline]) {
    assert.deepEqual(run.result, { kind: "packages", entries: 30_000 });
  }
  // The reference: read on the serving thread, the same index costs it a fifth of a second.
  assert.ok(inline.ticks >= 15, `inline: ${inline.ticks} ticks`);
  assert.ok(offThread.ticks <= 5, `the serving thread used ${offThread.ticks} ticks of CPU`);
  assert.equal(offThread.mainNice, 0);
  assert.ok(offThread.seen.some((t) => t.nice === 19), JSON.stringify(offThread.seen));
});

Deno.test("a listing the worker cannot read fails its ingest with the reason, and the next one is read", async () => {
  await withIndex(async (index, _worker, dir) => {
    await Deno.writeTextFile(`${dir}/corrupt.xz`, "this is not xz");
    await assert.rejects(index.ingest(LISTING, `${dir}/corrupt.xz`), /xz/i);
    const { xz } = await writeSyntheticPackages(dir, 10, { xzLevel: 0 });
    assert.deepEqual(await index.ingest(LISTING, xz), { kind: "packages", entries: 10 });
  });
});

Deno.test("stopping the listing worker fails the reads it held and refuses new ones", async () => {
  await withIndex(async (index, worker, dir) => {
    const { xz } = await writeSyntheticPackages(dir, 30_000, { xzLevel: 0 });
    const reading = index.ingest(LISTING, xz);
    worker!.stop();
    await assert.rejects(reading, /stopping/);
    await assert.rejects(index.ingest(LISTING, xz), /stopping/);
    assert.equal(worker!.running, false);
  });
});

Deno.test("a listing waits for its turn (apt's burst to end) unless a lookup hurries it", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(`${dir}/${DATABASE_FILE}`);
  let opened: (() => void) | undefined;
  const worker = new ListingWorker(`${dir}/${DATABASE_FILE}`, {
    startWhen: (signal) =>
      new Promise<void>((resolve) => {
        opened = resolve;
        signal.addEventListener("abort", () => resolve(), { once: true });
      }),
  });
  try {
    const index = new ArchiveIndex(db, new Logger("error"), Date.now, { listingWorker: worker });
    const { xz } = await writeSyntheticPackages(dir, 10, { xzLevel: 0 });
    let done = false;
    const reading = index.ingest(LISTING, xz).finally(() => done = true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(done, false, "read before its turn");
    assert.equal(worker.running, false);
    index.hurry();
    const { waitedMs, ...read } = (await reading)!;
    assert.deepEqual(read, { kind: "packages", entries: 10 });
    assert.ok(waitedMs! >= 250, `waited ${waitedMs} ms`);
    // The next one waits again, until its turn comes.
    const next = index.ingest(LISTING.replace("stable", "testing"), xz);
    await new Promise((r) => setTimeout(r, 100));
    opened!();
    const { waitedMs: _, ...second } = (await next)!;
    assert.deepEqual(second, { kind: "packages", entries: 10, reused: true });
  } finally {
    worker.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a lookup waits only for listings under its own archive root", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(`${dir}/${DATABASE_FILE}`);
  const worker = new ListingWorker(`${dir}/${DATABASE_FILE}`, {
    startWhen: (signal) =>
      new Promise((resolve) => signal.addEventListener("abort", () => resolve())),
  });
  try {
    const index = new ArchiveIndex(db, new Logger("error"), Date.now, { listingWorker: worker });
    const { xz } = await writeSyntheticPackages(dir, 10, {
      xzLevel: 0,
      extra: `Package: hello\nFilename: pool/main/h/hello/hello_1_amd64.deb\nSize: 42\nSHA256: ${
        "c".repeat(64)
      }\n`,
    });
    index.ingestInBackground(LISTING, xz);
    const hello = "m.example/debian/pool/main/h/hello/hello_1_amd64.deb";
    assert.equal(index.busyFor(hello), true);
    assert.equal(index.busyFor("other.example/debian/pool/main/h/hello/hello_1_amd64.deb"), false);
    assert.equal(index.busyFor("m.example/ubuntu/pool/main/h/hello/hello_1_amd64.deb"), false);
    assert.equal(index.lookup(hello), undefined, "not read yet: it waits for its turn");
    await index.settledFor(hello); // has them read now, as the pipeline's wait does
    assert.equal(index.lookup(hello)?.sha256, "c".repeat(64));
    assert.equal(index.busyFor(hello), false);
  } finally {
    worker.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
