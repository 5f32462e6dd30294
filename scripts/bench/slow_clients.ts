/**
 * Benchmark: the daemon under connections held and not used, as in the
 * issue that asked for timeouts, beside a plain `Deno.serve` file server
 * (the reference: it has no header timeout) in the same run.
 *
 * 1. 2,000 connections dripping a request head a byte a second (from
 *    127.0.0.2) and 2,000 sending nothing (from 127.0.0.3), against the
 *    default timeouts (the per-client cap raised, so that the timeouts and
 *    not the cap close them): how many are open after 20 s and 40 s, while
 *    an allowed client (127.0.0.1) makes 40 requests, and the daemon's
 *    peak memory.
 * 2. 5,000 idle connections from one address that is not allowed in
 *    (allowed_clients = 127.0.0.1 only): how many are accepted and held.
 *
 *   deno run -P=test scripts/bench/slow_clients.ts
 */

import { heldByServer, holdConnections } from "../../tests/helpers/slow_clients.ts";
import { cliArgs, runArgs } from "../../tests/helpers/daemon_process.ts";
import { median, percentile, processMemory, stopAll, writeResults } from "./results.ts";
import { untilAnswers } from "./load.ts";

function daemon(dir: string, port: number, config: string): Deno.ChildProcess {
  Deno.writeTextFileSync(`${dir}/bench.toml`, config);
  return new Deno.Command(Deno.execPath(), {
    args: cliArgs(
      ...runArgs(dir, {
        port,
        extra: ["--no-dht", "--log-level", "warn", "-c", `${dir}/bench.toml`],
      }),
    ),
    stdout: "null",
    stderr: "null",
  }).spawn();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children: Deno.ChildProcess[] = [];
const dirs: string[] = [];
const figures: Record<string, unknown> = {};
try {
  // 1. Dripping and idle, against the daemon and the reference at once.
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-slow-" });
  dirs.push(dir);
  await Deno.writeTextFile(`${dir}/file`, "x".repeat(53_000));
  const ports = { daemon: 24200, reference: 24201 };
  const apt = daemon(dir, ports.daemon, "[server]\nmax_connections_per_client = 5000\n");
  const reference = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=test",
      new URL("plain_file_server.ts", import.meta.url).pathname,
      String(ports.reference),
      dir,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  children.push(apt, reference);
  await untilAnswers(`http://127.0.0.1:${ports.daemon}/stats.json`);
  await untilAnswers(`http://127.0.0.1:${ports.reference}/file`);
  const held = {
    daemon: [] as Awaited<ReturnType<typeof holdConnections>>,
    reference: [] as Awaited<ReturnType<typeof holdConnections>>,
  };
  for (const target of ["daemon", "reference"] as const) {
    const [dripping, idle] = await Promise.all([
      holdConnections(ports[target], "127.0.0.2", 2_000, "dripping", 1_000),
      holdConnections(ports[target], "127.0.0.3", 2_000, "idle"),
    ]);
    held[target] = [...dripping, ...idle];
  }
  const started = performance.now();
  const latencies: number[] = [];
  let failures = 0;
  const openAt: Record<string, Record<string, number>> = { daemon: {}, reference: {} };
  // Counted on the server's side (`ss`): a client with thousands of sockets is slow to see a close.
  const count = async (target: "daemon" | "reference") =>
    await heldByServer(ports[target], "127.0.0.2") + await heldByServer(ports[target], "127.0.0.3");
  for (let i = 0; i < 40; i++) {
    const before = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${ports.daemon}/stats.json`, {
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      if (!response.ok) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - before);
    await sleep(1_000 - Math.min(999, performance.now() - before));
    const elapsed = performance.now() - started;
    if (elapsed >= 20_000 && openAt.daemon.after_20s === undefined) {
      for (const target of ["daemon", "reference"] as const) {
        openAt[target].after_20s = await count(target);
      }
    }
  }
  await sleep(Math.max(0, 40_000 - (performance.now() - started)));
  for (const target of ["daemon", "reference"] as const) {
    openAt[target].after_40s = await count(target);
  }
  figures.dripping_and_idle = {
    connections: 4_000,
    still_open: openAt,
    connected: {
      daemon: held.daemon.filter((c) => c.connected).length,
      reference: held.reference.filter((c) => c.connected).length,
    },
    allowed_client: {
      requests: latencies.length,
      failures,
      median_ms: +median(latencies).toFixed(1),
      max_ms: +Math.max(...latencies).toFixed(1),
      p99_ms: +percentile(latencies, 99).toFixed(1),
    },
    daemon_peak_mb: (await processMemory(apt.pid)).peak_mb,
    reference_peak_mb: (await processMemory(reference.pid)).peak_mb,
  };
  for (const c of [...held.daemon, ...held.reference]) c.destroy();
  console.log(JSON.stringify(figures.dripping_and_idle, null, 2));

  // 2. A stranger's 5,000 idle connections.
  const strangerDir = await Deno.makeTempDir({ prefix: "apt-dht-slow-" });
  dirs.push(strangerDir);
  const guarded = daemon(strangerDir, 24202, '[server]\nallowed_clients = ["127.0.0.1/32"]\n');
  children.push(guarded);
  await untilAnswers(`http://127.0.0.1:24202/stats.json`);
  const stranger = await holdConnections(24202, "127.0.0.2", 5_000, "idle");
  await sleep(2_000);
  figures.stranger_idle = {
    connections: 5_000,
    connected: stranger.filter((c) => c.connected).length,
    still_open_after_2s: await heldByServer(24202, "127.0.0.2"),
    daemon_peak_mb: (await processMemory(guarded.pid)).peak_mb,
  };
  for (const c of stranger) c.destroy();
  console.log(JSON.stringify(figures.stranger_idle, null, 2));
  await writeResults("slow_clients", {
    ...figures,
    targets: { still_open_after_20s: 0, allowed_client_max_ms: 1_000 },
  });
} finally {
  await stopAll(children);
  for (const dir of dirs) await Deno.remove(dir, { recursive: true });
}
