/**
 * File descriptors, with the daemon under `prlimit`: by default its
 * connection cap stays below the limit, so idle connections past it are
 * closed at once; with caps set above the limit it runs out, never exits,
 * and accepts again once descriptors are free. It runs with its soft limit
 * raised to the hard one.
 */

import assert from "node:assert/strict";
import { type DaemonProcess, daemonRunArgs, spawnDaemon } from "../helpers/daemon_process.ts";
import { RequestLimits } from "../../src/server/mod.ts";
import { connectionCapsOf } from "../../src/daemon/open_files.ts";
import { defaultConfig } from "../../src/config/schema.ts";

function underLimit(nofile: string, dir: string, ...extra: string[]) {
  return new Deno.Command("prlimit", {
    args: [
      `--nofile=${nofile}`,
      Deno.execPath(),
      ...daemonRunArgs(dir, "--log-level", "debug", ...extra),
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
}

async function status(port: number): Promise<number | string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/stats.json`, {
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    return String(error);
  }
}

/** Opens up to `count` idle connections (bounded in time); those still open, and those refused. */
async function holdIdle(port: number, count: number): Promise<Deno.Conn[]> {
  const held: Deno.Conn[] = [];
  const deadline = Date.now() + 20_000;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port }).catch(() => undefined);
    if (conn) held.push(conn);
  }
  return held;
}

/**
 * A daemon under a descriptor limit of 256 with `max_connections` set, and
 * 600 idle connections opened against it; `check` gets the daemon and the
 * connections that opened (closed afterwards however it ends).
 */
async function withIdleFlood(
  maxConnections: number,
  check: (daemon: DaemonProcess, held: Deno.Conn[]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const held: Deno.Conn[] = [];
  try {
    await Deno.writeTextFile(`${dir}/caps.toml`, `[server]\nmax_connections = ${maxConnections}\n`);
    await using daemon = await spawnDaemon(underLimit("256:256", dir, "-c", `${dir}/caps.toml`));
    assert.equal(await status(daemon.port), 200);
    held.push(...await holdIdle(daemon.port, 600));
    await check(daemon, held);
  } finally {
    for (const conn of held) conn.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "idle connections past the descriptor limit (caps set above it): the daemon stays up and serves again once they go",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withIdleFlood(1000, async (daemon, held) => {
      await daemon.until(/http\.accept_failed/, 10_000);
      for (const conn of held.splice(0)) conn.close();
      let answer: number | string = "";
      for (let i = 0; i < 20 && answer !== 200; i++) {
        answer = await status(daemon.port);
        if (answer !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal(answer, 200, daemon.log());
      assert.doesNotMatch(daemon.log(), /Uncaught|panicked/);
      assert.equal(await daemon.stop(), 0);
    }),
});

Deno.test({
  name:
    "a connection cap below the descriptor limit: the rest are closed at once, counted, and logged once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withIdleFlood(100, async (daemon, held) => {
      // Each connection over the cap is closed by the daemon: a read ends at once.
      const closed = await Promise.all(held.map((conn) => {
        const buffer = new Uint8Array(16);
        return Promise.race([
          conn.read(buffer).then(() => true, () => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 2_000)),
        ]);
      }));
      const open = closed.filter((c) => !c).length;
      // The cap, less the status request's kept-alive connection.
      assert(open >= 98 && open <= 100, `${open} of ${held.length} still open`);
      await daemon.until(/http\.connection_refused .*reason=total/, 5_000);
      assert.doesNotMatch(daemon.log(), /accept_failed/);
      for (const conn of held.splice(0)) conn.close();
      const response = await fetch(`http://127.0.0.1:${daemon.port}/metrics`);
      const metrics = await response.text();
      const refused = /aptdht_connections_closed_total\{reason="refused_total"\} (\d+)/.exec(
        metrics,
      );
      assert(refused && Number(refused[1]) >= 500, metrics);
      assert.equal(
        daemon.log().match(/http\.connection_refused/g)?.length,
        1,
        "one line for the one address in the minute",
      );
      assert.equal(await daemon.stop(), 0);
    }),
});

Deno.test({
  name: "the daemon runs with its soft limit on open files raised to the hard one",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await using daemon = await spawnDaemon(underLimit("512:4096", dir));
      await daemon.until(/daemon\.started/);
      const { stdout } = await new Deno.Command("cat", {
        args: [`/proc/${daemon.child.pid}/limits`],
      })
        .output();
      const limits = new TextDecoder().decode(stdout);
      assert.match(limits, /Max open files\s+4096\s+4096/);
      assert.equal(await daemon.stop(), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("connectionCapsOf() keeps connections below the descriptor limit unless the config sets the total", () => {
  const config = defaultConfig({ uid: 0 });
  assert.equal(connectionCapsOf(config, 256).total, 16, "a tiny limit still serves a few");
  assert.equal(connectionCapsOf(config, 20_000).total, 4096);
  assert.equal(connectionCapsOf(config, 2048).total, 512);
  assert.equal(connectionCapsOf(config, undefined).total, 4096, "a limit that cannot be read");
  const set = { ...config, server: { ...config.server, maxConnections: 100 } };
  assert.deepEqual(connectionCapsOf(set, 256), { perClient: 256, perStranger: 16, total: 100 });
});

Deno.test("RequestLimits caps requests in flight per address (strangers) and in total, and frees them once", () => {
  const limits = new RequestLimits({ perAddress: 2, total: 3 });
  const a1 = limits.enter("192.0.2.1")!;
  const a2 = limits.enter("192.0.2.1")!;
  assert.equal(limits.enter("192.0.2.1"), undefined, "a third from one address");
  const b1 = limits.enter("198.51.100.1")!;
  assert.equal(limits.enter("203.0.113.1"), undefined, "a fourth in all");
  a1();
  a1(); // twice is once
  assert.equal(limits.inFlight, 2);
  const c1 = limits.enter("203.0.113.1");
  assert.ok(c1);
  assert.equal(limits.shed, 2);
  a2();
  b1();
  c1();
  // An allowed client (the admin's own machine) is held to the total only.
  const mine = [1, 2, 3].map(() => limits.enter("10.0.0.1", true));
  assert.ok(mine.every(Boolean));
  assert.equal(limits.enter("10.0.0.1", true), undefined, "the total still holds");
});
