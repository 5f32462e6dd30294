/**
 * The daemon under connections that are held and not used, as the HTTP
 * front's timeouts and caps promise: a few hundred strangers dripping a
 * head or sending nothing are closed on time, an allowed client is served
 * quickly all the while, and a stranger is held to its own small cap.
 */

import assert from "node:assert/strict";
import { daemonCommand, spawnDaemon } from "../helpers/daemon_process.ts";
import { heldByServer, holdConnections } from "../helpers/slow_clients.ts";

const CONFIG = `[server]
allowed_clients = ["127.0.0.1/32"]
header_timeout = 1
idle_timeout = 2
max_connections_per_stranger = 1000
`;

Deno.test({
  name:
    "300 dripping and idle strangers are closed within the header timeout while an allowed client is served; idle kept-alive ones within the idle timeout",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/slow.toml`, CONFIG);
      await using daemon = await spawnDaemon(
        daemonCommand(dir, { extra: ["--no-dht", "-c", `${dir}/slow.toml`] }),
      );
      const [dripping, idle] = await Promise.all([
        holdConnections(daemon.port, "127.0.0.2", 150, "dripping", 100),
        holdConnections(daemon.port, "127.0.0.3", 150, "idle"),
      ]);
      const connected = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 700));
      const strangersHeld = async () =>
        await heldByServer(daemon.port, "127.0.0.2") + await heldByServer(daemon.port, "127.0.0.3");
      const heldEarly = await strangersHeld();
      // When the daemon let the last of them go, watched while the allowed client is served.
      const lastGone = (async () => {
        while (performance.now() - connected < 6_000) {
          if (await strangersHeld() === 0) return performance.now() - connected;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return Infinity;
      })();
      // Meanwhile, the allowed client: 20 requests on fresh connections, each answered fast.
      const slowest = { ms: 0 };
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const response = await fetch(`http://127.0.0.1:${daemon.port}/stats.json`, {
          headers: { connection: "close" },
          signal: AbortSignal.timeout(5_000),
        });
        assert.equal(response.status, 200);
        await response.body?.cancel();
        slowest.ms = Math.max(slowest.ms, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert(slowest.ms < 1_000, `the allowed client waited ${slowest.ms} ms`);
      // A kept-alive connection of the allowed client, left idle.
      const kept = await Deno.connect({ hostname: "127.0.0.1", port: daemon.port });
      await kept.write(
        new TextEncoder().encode("GET /stats.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
      );
      const keptStarted = performance.now();
      const buffer = new Uint8Array(65536);
      while (await kept.read(buffer).catch(() => null) !== null) {
        /* the answer, then the close */
      }
      const keptMs = performance.now() - keptStarted;
      kept.close();

      // Counted on the server's side: within the header timeout all held, past it none.
      const all = [...dripping, ...idle];
      assert(all.every((c) => c.connected), "every stranger got a connection");
      const gone = await lastGone;
      for (const c of all) c.destroy();
      assert(gone < 2_500, `the last stranger went ${gone} ms after connecting`);
      assert.equal(heldEarly, 300, `${heldEarly} held at 0.7 s`);
      assert(keptMs > 1_900 && keptMs < 3_500, `the idle kept-alive one closed after ${keptMs} ms`);

      const metrics = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
      const count = (reason: string) =>
        Number(
          new RegExp(`aptdht_connections_closed_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)
            ?.[1] ?? 0,
        );
      assert(count("header_timeout") >= 300, metrics);
      assert(count("idle_timeout") >= 1, metrics);
      assert.equal(await daemon.stop(), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a stranger gets its few connections and the rest are closed at once; the allowed client is not held to that",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/caps.toml`,
        `[server]\nallowed_clients = ["127.0.0.1/32"]\nmax_connections_per_stranger = 4\n`,
      );
      await using daemon = await spawnDaemon(
        daemonCommand(dir, { extra: ["--no-dht", "-c", `${dir}/caps.toml`] }),
      );
      const strangers = await holdConnections(daemon.port, "127.0.0.2", 50, "idle");
      const mine = await holdConnections(daemon.port, "127.0.0.1", 50, "idle");
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await heldByServer(daemon.port, "127.0.0.2"), 4);
      assert.equal(await heldByServer(daemon.port, "127.0.0.1"), 50);
      for (const c of [...strangers, ...mine]) c.destroy();
      await daemon.until(
        /http\.connection_refused client=127\.0\.0\.2 reason=per_stranger count=1/,
      );
      assert.equal(await daemon.stop(), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
