/** Every way of starting the daemon starts it with V8's settings, and V8 takes them. */

import assert from "node:assert/strict";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { BUNDLE_RUN_FLAGS } from "../../scripts/bundle.ts";
import { cliArgs } from "../helpers/daemon_process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("deno task start and dev, the bundle, the executable and the tests' daemons pass the V8 flags", async () => {
  const { tasks } = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  for (const task of ["start", "dev"]) {
    assert.ok(tasks[task].split(" ").includes(V8_FLAGS_ARG), `task ${task}: ${tasks[task]}`);
  }
  assert.ok(BUNDLE_RUN_FLAGS.includes(V8_FLAGS_ARG));
  assert.ok(cliArgs("run").includes(V8_FLAGS_ARG));
  assert.match(await Deno.readTextFile(`${ROOT}/scripts/compile.ts`), /^\s+V8_FLAGS_ARG,/m);
});

Deno.test("V8 accepts the flags and keeps the young generation small under allocation", async () => {
  // 400 MB of short-lived objects: the new space grows to its largest (2 × 16 MiB by default).
  const script = `import v8 from "node:v8";
let keep = 0;
for (let i = 0; i < 2_000_000; i++) keep += [i, { i }, "x" + i].length;
const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
console.log(space.space_size, keep);`;
  const run = (flags: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["eval", ...flags, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const [flagged, plain] = await Promise.all([run([V8_FLAGS_ARG]), run([])]);
  assert.equal(flagged.code, 0, new TextDecoder().decode(flagged.stderr));
  const size = (output: Deno.CommandOutput) =>
    Number(new TextDecoder().decode(output.stdout).split(" ")[0]);
  assert.ok(size(flagged) <= 2 * 1024 * 1024, `new space ${size(flagged)} bytes`);
  assert.ok(size(plain) > 4 * 1024 * 1024, `without the flags: ${size(plain)} bytes`);
});
