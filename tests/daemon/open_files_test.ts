/**
 * Running out of file descriptors, as a daemon under `prlimit` does when
 * strangers hold more idle connections than it may open: it never exits,
 * it listens again once descriptors are free, and it runs with its soft
 * limit raised to the hard one.
 */

import assert from "node:assert/strict";
import { daemonRunArgs, spawnDaemon } from "../helpers/daemon_process.ts";
import { RequestLimits } from "../../src/server/mod.ts";

function underLimit(nofile: string, dir: string) {
  return new Deno.Command("prlimit", {
    args: [`--nofile=${nofile}`, Deno.execPath(), ...daemonRunArgs(dir, "--log-level", "debug")],
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

Deno.test({
  name:
    "idle connections past the descriptor limit: the daemon stays up and serves again once they go",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const held: Deno.Conn[] = [];
    try {
      await using daemon = await spawnDaemon(underLimit("256:256", `${dir}`));
      assert.equal(await status(daemon.port), 200);
      // More idle connections than it has descriptors; bounded in count and time.
      const deadline = Date.now() + 20_000;
      for (let i = 0; i < 600 && Date.now() < deadline; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: daemon.port })
          .catch(() => undefined);
        if (!conn) break; // refused: the listener is down, as it should be when full
        held.push(conn);
      }
      await daemon.until(/http\.listener_failed/, 10_000);
      for (const conn of held.splice(0)) conn.close();
      await daemon.until(/http\.listening_again/, 15_000);
      assert.equal(await status(daemon.port), 200, daemon.log());
      assert.doesNotMatch(daemon.log(), /Uncaught|panicked/);
      assert.equal(await daemon.stop(), 0);
    } finally {
      for (const conn of held) conn.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
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
