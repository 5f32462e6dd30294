import assert from "node:assert/strict";
import { ArchiveIndex, ListingWorker } from "../../src/apt/mod.ts";
import { DATABASE_FILE, openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { writeSyntheticPackages } from "../../scripts/bench/synthetic_packages.ts";

const LISTING = "m.example/debian/dists/stable/main/binary-amd64/Packages.xz";
const STANZAS = 30_000;

/** Each thread of this process: its name, nice value and CPU time so far in clock ticks. */
async function threads(): Promise<{ tid: number; name: string; nice: number; cpu: number }[]> {
  // Through cat: Deno reads /proc only with every permission.
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", `for t in /proc/${Deno.pid}/task/*; do cat $t/stat; done`],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter(Boolean).map((line) => {
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    return {
      tid: Number(line.slice(0, line.indexOf(" "))),
      name: line.slice(line.indexOf("(") + 1, line.lastIndexOf(")")),
      nice: Number(fields[16]),
      cpu: Number(fields[11]) + Number(fields[12]),
    };
  });
}

/**
 * The thread this test's JavaScript runs on (not always the process's
 * first: the test runner may run modules elsewhere): the one whose CPU time
 * grows while this code spins for 200 ms.
 */
async function thisThread(): Promise<number> {
  const before = new Map((await threads()).map((t) => [t.tid, t.cpu]));
  const end = performance.now() + 200;
  while (performance.now() < end) { /* spin */ }
  const grown = (await threads()).map((t) => ({
    tid: t.tid,
    by: t.cpu - (before.get(t.tid) ?? 0),
  }));
  return grown.reduce((a, b) => (b.by > a.by ? b : a)).tid;
}

/** CPU ticks this thread used while `work` ran, and every thread seen at its busiest moment. */
async function serving(work: () => Promise<unknown>) {
  const tid = await thisThread();
  const cpu = async () => (await threads()).find((t) => t.tid === tid)!.cpu;
  const before = await cpu();
  let seen: Awaited<ReturnType<typeof threads>> = [];
  const watch = setTimeout(async () => seen = await threads(), 150);
  try {
    await work();
  } finally {
    clearTimeout(watch);
  }
  return { ticks: (await cpu()) - before, seen, tid };
}

async function withIndex(
  fn: (index: ArchiveIndex, worker: ListingWorker | undefined, dir: string) => Promise<void>,
  offThread = true,
) {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(`${dir}/${DATABASE_FILE}`);
  const worker = offThread ? new ListingWorker(`${dir}/${DATABASE_FILE}`, 200) : undefined;
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

Deno.test("a Packages read by the listing worker is in the index, read at nice 19, with the serving thread's CPU left free", async () => {
  for (const offThread of [true, false]) {
    await withIndex(async (index, worker, dir) => {
      const { xz } = await writeSyntheticPackages(dir, STANZAS, {
        xzLevel: 0,
        extra: `Package: hello\nFilename: pool/main/h/hello/hello_1_amd64.deb\nSize: 42\nSHA256: ${
          "c".repeat(64)
        }\n`,
      });
      let result;
      const { ticks, seen, tid } = await serving(async () =>
        result = await index.ingest(LISTING, xz)
      );
      assert.deepEqual(result, { kind: "packages", entries: STANZAS + 1 });
      assert.deepEqual(index.lookup("m.example/debian/pool/main/h/hello/hello_1_amd64.deb"), {
        size: 42,
        sha256: "c".repeat(64),
        trusted: false,
      });
      const version = index.versionOf("m.example/debian/dists/stable/main/binary-amd64/Packages");
      assert.equal(version?.key, LISTING);
      if (!offThread) {
        // The reference: read here, the same index costs this thread a fifth of a second.
        assert.ok(ticks >= 15, `inline: ${ticks} ticks`);
        return;
      }
      assert.ok(ticks <= 5, `the serving thread used ${ticks} ticks of CPU`);
      const main = seen.find((t) => t.tid === tid)!;
      assert.equal(main.nice, 0);
      assert.ok(seen.some((t) => t.nice === 19), JSON.stringify(seen));
      assert.ok(worker!.running);
      await new Promise((r) => setTimeout(r, 400)); // idle longer than its 200 ms: ended
      assert.equal(worker!.running, false);
    }, offThread);
  }
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
    const { xz } = await writeSyntheticPackages(dir, STANZAS, { xzLevel: 0 });
    const reading = index.ingest(LISTING, xz);
    worker!.stop();
    await assert.rejects(reading, /stopping/);
    await assert.rejects(index.ingest(LISTING, xz), /stopping/);
    assert.equal(worker!.running, false);
  });
});
