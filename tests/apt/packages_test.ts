import assert from "node:assert/strict";
import { type ListedFile, readIndexFiles } from "../../src/apt/packages.ts";

async function read(text: string, kind: "packages" | "sources"): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  await readIndexFiles(ReadableStream.from([text]), kind, (batch) => out.push(...batch));
  return out;
}

Deno.test("readIndexFiles() lists a Packages file's pool files with size and the strongest hash", async () => {
  const files = await read(
    `Package: a
Filename: pool/main/a/a/a_1_all.deb
Size: 10
MD5sum: ${"1".repeat(32)}
SHA256: ${"F".repeat(64)}

Package: old
Filename: pool/main/o/old/old_1_all.deb
Size: 5
MD5sum: ${"2".repeat(32)}
SHA1: ${"3".repeat(40)}

Package: virtual-without-file
Version: 1
`,
    "packages",
  );
  assert.deepEqual(files, [
    { path: "pool/main/a/a/a_1_all.deb", size: 10, sha256: "f".repeat(64) },
    { path: "pool/main/o/old/old_1_all.deb", size: 5, sha1: "3".repeat(40), md5: "2".repeat(32) },
  ]);
});

Deno.test("readIndexFiles() lists a Sources stanza's files from Checksums-Sha256, Checksums-Sha1 and Files", async () => {
  const files = await read(
    `Package: hello
Directory: pool/main/h/hello
Files:
 ${"a".repeat(32)} 1000 hello_2.10-3.dsc
 ${"b".repeat(32)} 2000 hello_2.10.orig.tar.gz
Checksums-Sha256:
 ${"c".repeat(64)} 1000 hello_2.10-3.dsc
 ${"d".repeat(64)} 2000 hello_2.10.orig.tar.gz
Checksums-Sha1:
 ${"e".repeat(40)} 1000 hello_2.10-3.dsc
`,
    "sources",
  );
  assert.deepEqual(files, [
    { path: "pool/main/h/hello/hello_2.10-3.dsc", size: 1000, sha256: "c".repeat(64) },
    { path: "pool/main/h/hello/hello_2.10.orig.tar.gz", size: 2000, sha256: "d".repeat(64) },
  ]);
});
