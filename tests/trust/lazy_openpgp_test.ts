import assert from "node:assert/strict";

/** Every file under `dir`, recursively. */
async function* files(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* files(path);
    else if (path.endsWith(".ts")) yield path;
  }
}

Deno.test("openpgp is imported only when a key or signature is first read (24 MB a daemon may never need)", async () => {
  const src = new URL("../../src", import.meta.url).pathname;
  const eager: string[] = [];
  for await (const path of files(src)) {
    const text = await Deno.readTextFile(path);
    for (const line of text.split("\n")) {
      if (/^\s*import\s+(?!type\b)[^;]*from\s+"openpgp"/.test(line)) eager.push(`${path}: ${line}`);
    }
  }
  assert.deepEqual(eager, []);
  const lazy = await Deno.readTextFile(`${src}/trust/openpgp.ts`);
  assert.match(lazy, /import\("openpgp"\)/);
});
