/**
 * apt-dht is GPL-2.0-or-later, and the package's copyright file names
 * every npm package the program is built from, with the license its own
 * package.json states: the list is checked against the module graph.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname;

async function json(args: string[]) {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT }).output();
  assert.ok(success, `deno ${args.join(" ")}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test("LICENSE is the GPL version 2, and the copyright file says version 2 or later", async () => {
  const license = await Deno.readTextFile(`${ROOT}/LICENSE`);
  assert.match(license, /GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991/);
  const copyright = await Deno.readTextFile(`${ROOT}/packaging/deb/copyright`);
  assert.match(copyright, /^Files: \*\nCopyright: .*\nLicense: GPL-2\+$/m);
  assert.match(copyright, /either version 2 of the License, or \(at your option\) any later/);
  assert.doesNotMatch(copyright, /all-rights-reserved|No license has been granted/);
});

Deno.test("the copyright file lists every npm package in main.ts's graph, with its license", async () => {
  const info = await json(["info", "--json", "main.ts"]);
  const { npmCache } = await json(["info", "--json"]);
  // The packages main.ts imports and everything they depend on (test-only packages are not in it).
  const packages = info.npmPackages as Record<string, { dependencies?: string[] }>;
  const bundled = new Set<string>();
  const queue: string[] = info.modules.filter((m: { kind: string }) => m.kind === "npm")
    .map((m: { npmPackage: string }) => m.npmPackage);
  while (queue.length) {
    const id = queue.pop()!;
    if (bundled.has(id)) continue;
    bundled.add(id);
    queue.push(...(packages[id].dependencies ?? []));
  }
  assert.ok(bundled.size >= 5, [...bundled].join(" "));
  const copyright = await Deno.readTextFile(`${ROOT}/packaging/deb/copyright`);
  const listed = new Map(
    [...copyright.matchAll(/^ (\S+@\d[^:\s]*): (\S+)$/gm)].map((m) => [m[1], m[2]]),
  );
  for (const id of bundled) {
    const at = id.lastIndexOf("@");
    const manifest = JSON.parse(
      await Deno.readTextFile(
        `${npmCache}/registry.npmjs.org/${id.slice(0, at)}/${id.slice(at + 1)}/package.json`,
      ),
    );
    assert.equal(listed.get(id), manifest.license, `${id} in packaging/deb/copyright`);
  }
  assert.deepEqual(
    [...listed.keys()].sort(),
    [...bundled].sort(),
    "nothing listed that is not in it",
  );
});
