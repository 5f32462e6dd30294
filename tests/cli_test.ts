/** The command line, run as a real process (`deno run main.ts …`). */

import assert from "node:assert/strict";
import { MirrorServer } from "./helpers/mirror_server.ts";
import { bytes, writeFile } from "./helpers/archive.ts";
import { VERSION } from "../src/version.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function command(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-P=daemon", MAIN, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
}

async function runToEnd(args: string[]) {
  const { code, stdout, stderr } = await command(args).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test("apt-dht --help and --version print and exit 0", async () => {
  const help = await runToEnd(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: apt-dht \[command\] \[options\]/);
  for (
    const option of [
      "--config",
      "--listen",
      "--port",
      "--cache-dir",
      "--state-dir",
      "--allow",
      "--mirror",
      "--log-level",
    ]
  ) {
    assert.ok(help.stdout.includes(option), option);
  }
  const version = await runToEnd(["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), `apt-dht ${VERSION}`);
  assert.equal((await runToEnd(["version"])).stdout.trim(), `apt-dht ${VERSION}`);
});

Deno.test("unknown options and bad config values stop the start with exit 2 and a message naming them", async () => {
  const unknown = await runToEnd(["--frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^apt-dht: command line: .*frobnicate/m);

  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.toml`, "[server]\nport = 99999\n");
    const bad = await runToEnd([
      "run",
      "--config",
      `${dir}/bad.toml`,
      "--cache-dir",
      `${dir}/c`,
      "--state-dir",
      `${dir}/s`,
    ]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      new RegExp(
        `^apt-dht: ${dir}/bad\\.toml: server\\.port: expected an integer from 0 to 65535, got 99999$`,
        "m",
      ),
    );
    // Nothing was started half-way: no state was created.
    await assert.rejects(Deno.stat(`${dir}/s`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "apt-dht run serves, and SIGTERM stops it promptly without committing a transfer in flight",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const mirror = await MirrorServer.start(`${dir}/mirror`);
    await writeFile(`${dir}/mirror`, "debian/pool/main/s/slow/slow_1_all.deb", bytes(500_000));
    mirror.faults.set("/debian/pool/main/s/slow/slow_1_all.deb", { kind: "stall", bytes: 10_000 });
    const child = command([
      "run",
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--cache-dir",
      `${dir}/cache`,
      "--state-dir",
      `${dir}/state`,
      "--log-level",
      "debug",
    ]).spawn();
    try {
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let log = "";
      while (!/listen=127\.0\.0\.1:(\d+)/.test(log)) log += (await reader.read()).value ?? "";
      const port = Number(/listen=127\.0\.0\.1:(\d+)/.exec(log)![1]);
      const stats = await fetch(`http://127.0.0.1:${port}/stats.json`);
      assert.equal((await stats.json()).version, VERSION);

      const stalled = await fetch(
        `http://127.0.0.1:${port}/${mirror.authority}/debian/pool/main/s/slow/slow_1_all.deb`,
      );
      const body = stalled.arrayBuffer().catch(() => "cut");
      const started = Date.now();
      child.kill("SIGTERM");
      const status = await child.status;
      assert.equal(status.code, 0);
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        log += value;
      }
      assert.ok(Date.now() - started < 9000, `took ${Date.now() - started} ms: ${log}`);
      assert.equal(await body, "cut");
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        log += value;
      }
      assert.match(log, /daemon\.stopped/);
      await assert.rejects(
        Deno.stat(`${dir}/cache/${mirror.authority}/debian/pool/main/s/slow/slow_1_all.deb`),
      );
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await mirror.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "SIGHUP reloads the config: allowed clients and log level at once, a port change needs a restart, a broken file changes nothing",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const file = `${dir}/apt-dht.toml`;
    const write = (allowed: string, level: string, port = 0) =>
      Deno.writeTextFile(
        file,
        `[server]\nlisten = "127.0.0.1"\nport = ${port}\nallowed_clients = ["${allowed}"]\n` +
          `[cache]\ndirectory = "${dir}/cache"\n[state]\ndirectory = "${dir}/state"\n` +
          `[log]\nlevel = "${level}"\n[dht]\nenabled = false\n`,
      );
    await write("10.0.0.0/8", "info");
    const child = command(["run", "--config", file]).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(log)) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<never>((_, reject) =>
          timer = setTimeout(
            () => reject(new Error(`no ${pattern} in 10 s: ${log}`)),
            deadline - Date.now(),
          )
        );
        const { value, done } = await Promise.race([reader.read(), late]).finally(() =>
          clearTimeout(timer)
        );
        if (done) throw new Error(`exited: ${log}`);
        log += value;
      }
    };
    try {
      await until(/listen=127\.0\.0\.1:(\d+)/);
      const port = Number(/listen=127\.0\.0\.1:(\d+)/.exec(log)![1]);
      const status = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/stats.json`);
        await response.body?.cancel();
        return response.status;
      };
      assert.equal(await status(), 403, "loopback is not allowed yet");

      await write("127.0.0.0/8", "warn", 1234);
      child.kill("SIGHUP");
      await until(/daemon\.reloaded .*\n/);
      assert.match(log, /applied=log\.level,server\.allowed_clients restart_needed=server\.port/);
      assert.equal(await status(), 200, "allowed after the reload");

      await Deno.writeTextFile(file, "[server\nport = ");
      child.kill("SIGHUP");
      await until(/daemon\.reload_failed .*\n/);
      assert.doesNotMatch(log, /http\.request .*status=200/, "info lines are no longer written");
      assert.equal(await status(), 200, "still serving as before");

      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      reader.releaseLock();
      await child.stderr.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
