import assert from "node:assert/strict";
import { indexKindSpec } from "../../src/apt/mod.ts";
import { indexKindOf, isTrackedIndex } from "../../src/apt/index_kinds.ts";

Deno.test("indexKindOf() names the kind of each index apt fetches, and nothing else", () => {
  const cases: [string, string | undefined][] = [
    ["d/dists/x/InRelease", "release"],
    ["d/dists/x/Release", "release"],
    ["d/dists/x/Release.gpg", "signature"],
    ["d/dists/x/InRelease.gz", undefined],
    ["d/dists/x/main/binary-amd64/Packages", "packages"],
    ["d/dists/x/main/binary-amd64/Packages.xz", "packages"],
    ["d/dists/x/main/binary-amd64/Packages.zst", "other-index"],
    ["d/dists/x/main/binary-amd64/Packages.gz.gz", undefined],
    ["d/dists/x/main/source/Sources.bz2", "sources"],
    ["d/dists/x/main/binary-amd64/Packages.diff/Index", "diff-index"],
    ["d/dists/x/main/binary-amd64/Packages.diff/Index.gz", "other-index"],
    ["d/dists/x/main/i18n/Translation-en.xz", "other-index"],
    ["d/dists/x/main/Contents-amd64.gz", "other-index"],
    ["d/dists/x/main/dep11/Components-amd64.yml.xz", "other-index"],
    ["d/pool/main/h/hello/hello_2.10-3_amd64.deb", undefined],
  ];
  for (const [path, kind] of cases) assert.equal(indexKindOf(path), kind, path);
});

Deno.test("isTrackedIndex() holds for the kinds whose ingest records hashes lookups wait for", () => {
  assert.equal(isTrackedIndex("d/dists/x/InRelease"), true);
  assert.equal(isTrackedIndex("d/dists/x/main/binary-amd64/Packages.gz"), true);
  assert.equal(isTrackedIndex("d/dists/x/main/source/Sources.xz"), true);
  assert.equal(isTrackedIndex("d/dists/x/main/binary-amd64/Packages.diff/Index"), true);
  assert.equal(isTrackedIndex("d/dists/x/Release.gpg"), false);
  assert.equal(isTrackedIndex("d/dists/x/main/i18n/Translation-en.xz"), false);
  assert.equal(isTrackedIndex("d/pool/main/h/hello/hello_2.10-3_amd64.deb"), false);
});

Deno.test("indexKindSpec() says which kinds list pool files", () => {
  const lists = (path: string) => indexKindSpec(path)?.listsPoolFiles ?? false;
  assert.equal(lists("d/dists/x/main/binary-amd64/Packages"), true);
  assert.equal(lists("d/dists/x/main/source/Sources"), true);
  assert.equal(lists("d/dists/x/InRelease"), false);
  assert.equal(lists("d/dists/x/main/i18n/Translation-en"), false);
});
