import assert from "node:assert/strict";
import { downloadNameOf, parseDiffIndex, patchesFrom } from "../../src/apt/pdiff/mod.ts";
import { DiffIndexError } from "../../src/apt/pdiff/diff_index.ts";

const h = (c: string) => c.repeat(64);

const unmerged = `SHA256-Current: ${h("d")} 300
SHA256-History:
 ${h("a")} 100 2026-11-19-0800.00
 ${h("b")} 200 2026-11-20-0800.00
 ${h("c")} 250 2026-11-21-0800.00
SHA256-Patches:
 ${h("1")} 10 2026-11-19-0800.00
 ${h("2")} 20 2026-11-20-0800.00
 ${h("3")} 30 2026-11-21-0800.00
SHA256-Download:
 ${h("4")} 11 2026-11-19-0800.00.gz
 ${h("5")} 21 2026-11-20-0800.00.gz
 ${h("6")} 31 2026-11-21-0800.00.xz
`;

Deno.test("an unmerged diff Index chains every patch from our version on", () => {
  const index = parseDiffIndex(unmerged);
  assert.equal(index.merged, false);
  assert.deepEqual(index.current, { hash: h("d"), size: 300 });
  assert.deepEqual(patchesFrom(index, h("b")), ["2026-11-20-0800.00", "2026-11-21-0800.00"]);
  assert.deepEqual(patchesFrom(index, h("d")), []);
  assert.equal(patchesFrom(index, h("e")), undefined);
  assert.equal(downloadNameOf(index, "2026-11-21-0800.00"), "2026-11-21-0800.00.xz");
  assert.equal(index.downloads.get("2026-11-19-0800.00.gz")?.size, 11);
});

Deno.test("a merged diff Index (dak's X-Patch-Precedence) needs one patch", () => {
  const index = parseDiffIndex(`SHA256-Current: ${h("d")} 300
SHA256-History:
 ${h("a")} 100 T-3-F-1
 ${h("b")} 200 T-3-F-2
SHA256-Patches:
 ${h("1")} 10 T-3-F-1
 ${h("2")} 20 T-3-F-2
X-Patch-Precedence: merged
`);
  assert.equal(index.merged, true);
  assert.deepEqual(patchesFrom(index, h("a")), ["T-3-F-1"]);
  assert.equal(downloadNameOf(index, "T-3-F-2"), "T-3-F-2.gz"); // no Download field: dak's default
});

Deno.test("old SHA1-only Indexes parse; broken ones are refused with the reason", () => {
  const sha1 = parseDiffIndex(
    `SHA1-Current: ${"a".repeat(40)} 5\nSHA1-History:\n ${"b".repeat(40)} 4 p1\n`,
  );
  assert.equal(sha1.algorithm, "sha1");
  assert.throws(() => parseDiffIndex("Foo: bar\n"), DiffIndexError);
  assert.throws(
    () => parseDiffIndex(`SHA256-Current: ${h("d")} 3\nSHA256-History:\n ${h("a")} x p\n`),
    /bad SHA256-History line/,
  );
  assert.throws(
    () => parseDiffIndex(`SHA256-Current: ${h("d")} 3\nSHA256-Patches:\n ${h("a")} 1 ../../x\n`),
    /bad patch name/,
  );
});
