/**
 * `deno task compile`: without a denort it must stop with a message that
 * says what is missing and how to provide it; with DENORT_BIN set (on a
 * machine that has one) it must build a working executable.
 */

import assert from "node:assert/strict";
import { VERSION } from "../../src/version.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Runs the compile script; with `clearEnv`, `env` is all the environment it gets. */
async function compile(env: Record<string, string>, output: string, clearEnv = false) {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      "scripts/compile.ts",
      output,
    ],
    cwd: ROOT,
    env,
    clearEnv,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: result.code, stderr: new TextDecoder().decode(result.stderr) };
}

Deno.test("compile names a DENORT_BIN that is not there", async () => {
  const { code, stderr } = await compile(
    { DENORT_BIN: "/nonexistent/denort" },
    "/tmp/apt-dht-never-built",
  );
  assert.equal(code, 1);
  assert.match(stderr, /DENORT_BIN=\/nonexistent\/denort is not a file/);
});

const denort = Deno.env.get("DENORT_BIN");
Deno.test({
  name: "compile without DENORT_BIN says what is missing and how to provide it",
  ignore: denort !== undefined,
  async fn() {
    const cachedDenort = JSON.parse(
      new TextDecoder().decode(
        (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
          .output()).stdout,
      ),
    ).denoDir + `/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
    const hasCached = await Deno.stat(cachedDenort).then(() => true, () => false);
    if (hasCached) return; // this machine can compile; the next test covers it when DENORT_BIN is given
    const { code, stderr } = await compile(
      { HOME: Deno.env.get("HOME") ?? "/root", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      "/tmp/apt-dht-never-built",
      true, // DENORT_BIN unset
    );
    assert.equal(code, 1);
    assert.match(stderr, /needs denort .* and none is available/);
    assert.match(stderr, /DENORT_BIN=\/path\/to\/denort deno task compile/);
    await assert.rejects(Deno.stat("/tmp/apt-dht-never-built"));
  },
});

Deno.test({
  name: "compile with DENORT_BIN builds an apt-dht executable that runs",
  ignore: denort === undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { code, stderr } = await compile({ DENORT_BIN: denort! }, `${dir}/apt-dht`);
      assert.equal(code, 0, stderr);
      const run = await new Deno.Command(`${dir}/apt-dht`, { args: ["--version"], stdout: "piped" })
        .output();
      assert.equal(new TextDecoder().decode(run.stdout).trim(), `apt-dht ${VERSION}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
