/** The README's commands stay true: the pinned Deno, the test command CI runs, the options. */

import assert from "node:assert/strict";
import { USAGE } from "../../src/config/mod.ts";
import { CONFIG_KEYS } from "../../src/config/schema.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const readme = await Deno.readTextFile(`${ROOT}/README.md`);
const pinned = /^deno (\S+)$/m.exec(await Deno.readTextFile(`${ROOT}/.tool-versions`))![1];

Deno.test("the README's commands use the Deno version pinned in .tool-versions", () => {
  const versions = [...readme.matchAll(/deno@([\d.]+)/g)].map((m) => m[1]);
  assert.ok(versions.length >= 2);
  for (const version of versions) assert.equal(version, pinned);
  assert.match(readme, new RegExp(`npx --yes deno@${pinned.replaceAll(".", "\\.")} task start`));
  assert.match(readme, new RegExp(`npx --yes deno@${pinned.replaceAll(".", "\\.")} task test`));
});

Deno.test(".ci/run runs the README's test command with the pinned version", async () => {
  const ci = await Deno.readTextFile(`${ROOT}/.ci/run`);
  assert.match(ci, /awk '\$1 == "deno" \{ print \$2 \}' \.tool-versions/);
  assert.match(ci, /npx --yes "deno@\$\{DENO_VERSION\}" task test/);
});

Deno.test("the README lists every command-line option", () => {
  for (const option of USAGE.matchAll(/--[a-z-]+/g)) {
    assert.ok(readme.includes(option[0]), option[0]);
  }
});

Deno.test("the README's usage block is the --help text", () => {
  const body = USAGE.replace(
    /^Usage: apt-dht \[command\] \[options\]\n\nA peer-to-peer proxy for apt\.\n/,
    "",
  );
  assert.ok(readme.includes("```\napt-dht [command] [options]\n" + body.trimEnd() + "\n```"));
});

Deno.test("the README documents every configuration key", () => {
  for (const key of [...CONFIG_KEYS, "mirrors.<name>.upstreams"]) {
    assert.ok(readme.includes(`\`${key}\``), key);
  }
});
