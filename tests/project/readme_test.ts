/** The README's commands stay true: the pinned Deno, the test command CI runs, the options. */

import assert from "node:assert/strict";
import { USAGE } from "../../src/config/mod.ts";
import { CONFIG_KEYS } from "../../src/config/schema.ts";
import { COMMANDS, OPTIONS } from "../../src/config/cli.ts";
import { COMMAND_HELP, OPTION_HELP } from "../../src/config/help_text.ts";
import { KEY_REFERENCE } from "../../src/config/key_reference.ts";

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

Deno.test("the README's key table is key_reference.ts, row for row (scripts/readme_keys.ts writes it)", () => {
  const rows = readme.slice(readme.indexOf("Every key:")).split("\n\n")[1].split("\n").slice(2)
    .map((line) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
  assert.deepEqual(
    rows,
    KEY_REFERENCE.map((k) => [`\`${k.key}\``, k.default, k.meaning]),
    "run: deno run -A scripts/readme_keys.ts",
  );
  // And every key the schema knows has its row.
  const documented = new Set(KEY_REFERENCE.map((k) => k.key));
  for (const key of CONFIG_KEYS) assert.ok(documented.has(key), key);
});

Deno.test("--help, the man page and the parser know the same commands and options", () => {
  assert.deepEqual(COMMAND_HELP.map((c) => c.name), [...COMMANDS]);
  const spec = OPTIONS as Record<string, { type: string; short?: string }>;
  const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
  assert.deepEqual(
    OPTION_HELP.map((o) => [o.long, o.short, o.arg ? "string" : "boolean"]).sort(byName),
    Object.entries(spec).map(([long, o]) => [long, o.short, o.type]).sort(byName),
  );
});
