import assert from "node:assert/strict";
import { scanCache } from "../../src/cache/mod.ts";
import { testStore } from "../helpers/cache_store.ts";

const POOL = "m/debian/pool/main/";

/** Rewrites a file; `keepMtime` puts its old mtime back (so only a full verify can tell). */
async function rewrite(path: string, text: string, keepMtime = false) {
  const stat = await Deno.stat(path);
  await Deno.writeTextFile(path, text);
  if (keepMtime) await Deno.utime(path, stat.atime!, stat.mtime!);
  else await Deno.utime(path, new Date(), new Date(stat.mtime!.getTime() + 5000));
}

Deno.test("the scan trusts unchanged records, rehashes touched files, and removes what does not match", async () => {
  await using t = await testStore();
  const { store, dir } = t;
  for (const name of ["same", "touched", "changed", "resized", "deleted", "silent"]) {
    await t.put(`${POOL}${name}.deb`, `content of ${name}`);
  }
  await rewrite(`${dir}/${POOL}touched.deb`, "content of touched"); // same bytes, new mtime
  await rewrite(`${dir}/${POOL}changed.deb`, "CONTENT of changed"); // same size, other bytes
  await rewrite(`${dir}/${POOL}resized.deb`, "content of resized, longer");
  await rewrite(`${dir}/${POOL}silent.deb`, "CONTENT of silent", true); // size and mtime kept
  await Deno.remove(`${dir}/${POOL}deleted.deb`);
  // A file no record names (a run killed between rename and record), and one that arrived now.
  await Deno.writeTextFile(`${dir}/${POOL}orphan.deb`, "orphan");
  const old = new Date(Date.now() - 60_000);
  await Deno.utime(`${dir}/${POOL}orphan.deb`, old, old);
  const fresh = new Date(Date.now() + 60_000);
  await Deno.writeTextFile(`${dir}/${POOL}arriving.deb`, "arriving");
  await Deno.utime(`${dir}/${POOL}arriving.deb`, fresh, fresh);

  const removed: string[] = [];
  const result = await scanCache(store, { onRemoved: (key) => removed.push(key) });
  assert.deepEqual(removed.sort(), [
    `${POOL}changed.deb`,
    `${POOL}deleted.deb`,
    `${POOL}orphan.deb`,
    `${POOL}resized.deb`,
  ]);
  assert.deepEqual(
    {
      kept: result.kept,
      rehashed: result.rehashed,
      removed: result.removed,
      orphans: result.orphans,
    },
    { kept: 3, rehashed: 2, removed: 3, orphans: 1 },
  );
  assert.equal(result.bytesHashed, "content of touched".length + "CONTENT of changed".length);
  // The touched file is served again (its record took the new mtime); the others are gone.
  const touched = store.open(`${POOL}touched.deb`);
  assert.ok(touched, "kept after rehashing");
  touched.file.close();
  for (const name of ["changed", "resized"]) {
    assert.equal(store.open(`${POOL}${name}.deb`), undefined);
    await assert.rejects(Deno.stat(`${dir}/${POOL}${name}.deb`), Deno.errors.NotFound);
  }
  await Deno.stat(`${dir}/${POOL}arriving.deb`); // newer than the scan: a commit in progress

  // Only a full verify reads the file whose size and mtime were kept.
  const verified = await scanCache(store, { verify: true });
  assert.equal(verified.removed, 1);
  assert.equal(verified.kept, 2);
  assert.equal(store.open(`${POOL}silent.deb`), undefined);
});

Deno.test("the scan reports progress by bytes and stops when aborted", async () => {
  await using t = await testStore();
  for (let i = 0; i < 5; i++) await t.put(`${POOL}f${i}.deb`, "x".repeat(1000 * (i + 1)));
  const seen: number[] = [];
  await scanCache(t.store, { verify: true, onProgress: (p) => seen.push(p.bytes / p.totalBytes) });
  assert.equal(seen.at(-1), 1);
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]), "never goes back");
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  await assert.rejects(scanCache(t.store, { signal: controller.signal }), /stop/);
});
