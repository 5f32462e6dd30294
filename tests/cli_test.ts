/** The command line, run as a real process (`deno run main.ts …`). */

import assert from "node:assert/strict";
import { MirrorServer } from "./helpers/mirror_server.ts";
import { bytes, writeFile } from "./helpers/archive.ts";
import { VERSION } from "../src/version.ts";
import {
  cliCommand,
  daemonCommand,
  dirArgs,
  localRunArgs,
  runArgs,
  runCli as runToEnd,
  spawnDaemon,
} from "./helpers/daemon_process.ts";

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
      ...dirArgs(dir),
    ]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      new RegExp(
        `^apt-dht: ${dir}/bad\\.toml:2: server\\.port: expected an integer from 0 to 65535, got 99999$`,
        "m",
      ),
    );
    // Nothing was started half-way: no state was created.
    await assert.rejects(Deno.stat(`${dir}/state`));
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
    try {
      await using daemon = await spawnDaemon(
        cliCommand(localRunArgs(dir, "--log-level", "debug")),
      );
      const port = daemon.port;
      const stats = await fetch(`http://127.0.0.1:${port}/stats.json`);
      assert.equal((await stats.json()).version, VERSION);

      const stalled = await fetch(
        `http://127.0.0.1:${port}/${mirror.authority}/debian/pool/main/s/slow/slow_1_all.deb`,
      );
      const body = stalled.arrayBuffer().catch(() => "cut");
      const started = Date.now();
      assert.equal(await daemon.stop(), 0);
      const log = daemon.log();
      assert.ok(Date.now() - started < 9000, `took ${Date.now() - started} ms: ${log}`);
      assert.equal(await body, "cut");
      assert.match(log, /daemon\.stopped/);
      await assert.rejects(
        Deno.stat(`${dir}/cache/${mirror.authority}/debian/pool/main/s/slow/slow_1_all.deb`),
      );
    } finally {
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
    const write = (allowed: string, level: string, port = 0, headerTimeout = 10) =>
      Deno.writeTextFile(
        file,
        `[server]\nlisten = "127.0.0.1"\nport = ${port}\nallowed_clients = ["${allowed}"]\n` +
          `header_timeout = ${headerTimeout}\n` +
          `[cache]\ndirectory = "${dir}/cache"\n[state]\ndirectory = "${dir}/state"\n` +
          `[log]\nlevel = "${level}"\n[dht]\nenabled = false\n`,
      );
    await write("10.0.0.0/8", "info");
    try {
      await using daemon = await spawnDaemon(cliCommand(["run", "--config", file]));
      const port = daemon.port;
      const status = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/stats.json`);
        await response.body?.cancel();
        return response.status;
      };
      assert.equal(await status(), 403, "loopback is not allowed yet");

      await write("127.0.0.0/8", "warn", 1234, 1);
      daemon.child.kill("SIGHUP");
      await daemon.until(/daemon\.reloaded .*\n/);
      assert.match(
        daemon.log(),
        /applied=log\.level,server\.allowed_clients,server\.header_timeout restart_needed=server\.port/,
      );
      assert.equal(await status(), 200, "allowed after the reload");
      // The new header timeout (1 s, was 10 s) closes a connection that sends nothing.
      const silent = await Deno.connect({ hostname: "127.0.0.1", port });
      const started = performance.now();
      assert.equal(await silent.read(new Uint8Array(16)).catch(() => null), null);
      const waited = performance.now() - started;
      assert(waited >= 900 && waited < 3_000, `closed after ${waited} ms`);
      silent.close();

      await Deno.writeTextFile(file, "[server\nport = ");
      daemon.child.kill("SIGHUP");
      await daemon.until(/daemon\.reload_failed .*\n/);
      // The file, line and column of the fault, as an editor takes them.
      assert.match(
        daemon.log(),
        new RegExp(`daemon\\.reload_failed .*${file}:1:8: not valid TOML`),
      );
      assert.doesNotMatch(
        daemon.log(),
        /http\.request .*status=200/,
        "info lines are no longer written",
      );
      assert.equal(await status(), 200, "still serving as before");

      assert.equal(await daemon.stop(), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "under systemd (JOURNAL_STREAM set) each log line starts with its syslog priority",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const command = daemonCommand(dir, {
        extra: ["--no-dht"],
        env: { JOURNAL_STREAM: "8:12345" },
      });
      await using daemon = await spawnDaemon(command);
      const refused = await fetch(`http://127.0.0.1:${daemon.port}/a%2fb/x`); // a 400: logged at info
      await refused.body?.cancel();
      assert.equal(await daemon.stop(), 0);
      const lines = daemon.log().trim().split("\n");
      assert.ok(lines.length >= 2);
      for (const line of lines) assert.match(line, /^<[3467]>\d{4}-\d\d-\d\dT/, line);
      assert.ok(lines.some((l) => l.startsWith("<6>") && l.includes("daemon.started")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "start-up failures are one line naming the address, port or directory, with exit 2",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const busy = (holder.addr as Deno.NetAddr).port;
    const start = (listen: string, port: number, state = `${dir}/state`) =>
      runToEnd(runArgs(dir, { listen, port, state, extra: ["--no-dht"] }));
    try {
      const inUse = await start("127.0.0.1", busy);
      assert.equal(inUse.code, 2, inUse.stderr);
      assert.match(
        inUse.stderr,
        new RegExp(`^apt-dht: cannot listen on 127\\.0\\.0\\.1:${busy}: the port is in use`),
      );
      // A documentation address: binding fails on this machine, nothing is sent anywhere.
      const foreign = await start("203.0.113.9", 0);
      assert.equal(foreign.code, 2, foreign.stderr);
      assert.match(foreign.stderr, /^apt-dht: cannot listen on 203\.0\.113\.9:0: .*server\.listen/);
      // A state directory that cannot be written (a read-only mount, as root can write anything else).
      await Deno.mkdir(`${dir}/ro`);
      const mounted = await new Deno.Command("mount", {
        args: ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", `${dir}/ro`],
        stderr: "null",
      }).output();
      if (mounted.success) {
        try {
          const readOnly = await start("127.0.0.1", 0, `${dir}/ro`);
          assert.equal(readOnly.code, 2, readOnly.stderr);
          assert.match(
            readOnly.stderr,
            new RegExp(`^apt-dht: the state database in ${dir}/ro cannot be opened`),
          );
        } finally {
          await new Deno.Command("umount", { args: [`${dir}/ro`] }).output();
        }
      }
      for (const run of [inUse, foreign]) assert.doesNotMatch(run.stderr, /Uncaught|\n\s+at /);
    } finally {
      holder.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a state or cache directory inside a read-only mount is one line naming it, with exit 2",
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    await Deno.mkdir(`${dir}/ro`);
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", `${dir}/ro`],
      stderr: "null",
    }).output();
    if (!mounted.success) {
      await Deno.remove(dir, { recursive: true });
      return void t.step({
        name: "needs root to mount a read-only file system",
        ignore: true,
        fn() {},
      });
    }
    try {
      for (const setting of ["state", "cache"] as const) {
        const inside = `${dir}/ro/${setting}`;
        const args = runArgs(dir, { extra: ["--no-dht", `--${setting}-dir`, inside] });
        const run = await runToEnd(args);
        assert.equal(run.code, 2, run.stderr);
        assert.equal(
          run.stderr,
          `apt-dht: cannot create ${inside} (${setting}.directory): it is on a read-only file ` +
            `system; choose a writable place for ${setting}.directory or remount it read-write\n`,
        );
      }
    } finally {
      await new Deno.Command("umount", { args: [`${dir}/ro`] }).output();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a state or cache directory the permission set does not cover is one line naming it, with exit 2", async () => {
  const dir = await Deno.makeTempDir();
  const main = new URL("../main.ts", import.meta.url).pathname;
  try {
    for (const [setting, allowed] of [["state", "cache"], ["cache", "state"]] as const) {
      const permissions = [
        "--allow-read",
        `--allow-write=${dir}/${allowed}`,
        "--allow-net",
        "--allow-env",
        "--allow-sys",
      ];
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", ...permissions, main, ...runArgs(dir, { extra: ["--no-dht"] })],
        env: { NO_COLOR: "1" },
        stdout: "null",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(stderr);
      assert.equal(code, 2, text);
      assert.equal(
        text,
        `apt-dht: cannot write ${dir}/${setting} (${setting}.directory): the permissions apt-dht ` +
          `was started with do not cover it; add it to --allow-write or choose a path they cover\n`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
