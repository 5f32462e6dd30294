/**
 * Benchmark: serving cache hits. The daemon (a real process started from
 * main.ts) against a plain `Deno.serve` file server reading the same cached
 * file, measured by the same load generator in the same run, alternating
 * rounds. Reports throughput for a 10 MB file, requests per second for a
 * 50 KB file, and the daemon/plain ratios (target: at least 0.8).
 * Prints a table and writes bench-results/cache_hit.json.
 *
 *   deno run -P=test scripts/bench/cache_hit.ts [--seconds 4] [--rounds 3]
 */

import { parseArgs } from "node:util";
import { MirrorServer } from "../../tests/helpers/mirror_server.ts";
import { bytes, writeFile } from "../../tests/helpers/archive.ts";
import { cliArgs, runArgs } from "../../tests/helpers/daemon_process.ts";
import { median, percentile, writeResults } from "./results.ts";
import { freePort } from "./load.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string" }, rounds: { type: "string" } },
});
const SECONDS = Number(values.seconds ?? 4);
const ROUNDS = Number(values.rounds ?? 3);
const FILES = {
  large: { name: "large_1_all.deb", size: 10_000_000, concurrency: 4 },
  small: { name: "small_1_all.deb", size: 50_000, concurrency: 16 },
};

async function waitForLine(stream: ReadableStream<Uint8Array>, pattern: RegExp): Promise<void> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!pattern.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`process ended before printing ${pattern}: ${seen}`);
    seen += value;
  }
  (async () => {
    while (!(await reader.read()).done);
  })(); // keep draining
}

/** Runs `concurrency` workers fetching `url` for SECONDS; counts requests, bytes, latencies. */
async function load(url: string, concurrency: number) {
  const deadline = performance.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let bytesRead = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const response = await fetch(url);
      if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
      for await (const chunk of response.body!) bytesRead += chunk.byteLength;
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return {
    requests_per_second: latencies.length / elapsed,
    megabytes_per_second: bytesRead / 1e6 / elapsed,
    median_latency_ms: median(latencies),
    p95_latency_ms: percentile(latencies, 95),
  };
}

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-" });
const children: Deno.ChildProcess[] = [];
let mirror: MirrorServer | undefined;
try {
  for (const [i, file] of Object.values(FILES).entries()) {
    await writeFile(
      `${dir}/mirror`,
      `debian/pool/main/b/bench/${file.name}`,
      bytes(file.size, i + 1),
    );
  }
  mirror = await MirrorServer.start(`${dir}/mirror`);
  const daemonPort = freePort();
  const daemon = new Deno.Command(Deno.execPath(), {
    args: cliArgs(...runArgs(dir, { port: daemonPort, extra: ["--log-level", "warn"] })),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  children.push(daemon);
  // The daemon logs nothing at warn level when healthy; poll until it answers.
  daemon.stderr.pipeTo(new WritableStream());
  for (let i = 0;; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${daemonPort}/stats.json`)).arrayBuffer();
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const plainPort = freePort();
  const plain = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=test",
      new URL("plain_file_server.ts", import.meta.url).pathname,
      String(plainPort),
      `${dir}/cache/${mirror.authority}`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  children.push(plain);
  await waitForLine(plain.stdout, /listening/);

  const urls = (file: { name: string }) => ({
    daemon: `http://127.0.0.1:${daemonPort}/${
      mirror!.authority
    }/debian/pool/main/b/bench/${file.name}`,
    plain: `http://127.0.0.1:${plainPort}/debian/pool/main/b/bench/${file.name}`,
  });
  for (const file of Object.values(FILES)) {
    // Fill the cache, then wait until the download is committed and hits are served from it.
    for (let attempt = 0;; attempt++) {
      const response = await fetch(urls(file).daemon);
      await response.arrayBuffer();
      if (response.headers.get("x-apt-dht-source") === "cache") break;
      if (attempt > 50) throw new Error("the daemon did not cache the file");
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const figures: Record<string, unknown> = {};
  for (const [label, file] of Object.entries(FILES)) {
    const rounds: Record<"daemon" | "plain", Awaited<ReturnType<typeof load>>[]> = {
      daemon: [],
      plain: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (
        const server of round % 2 ? ["plain", "daemon"] as const : ["daemon", "plain"] as const
      ) {
        rounds[server].push(await load(urls(file)[server], file.concurrency));
      }
    }
    const summary = (server: "daemon" | "plain") => ({
      requests_per_second: Math.round(median(rounds[server].map((r) => r.requests_per_second))),
      megabytes_per_second: Math.round(median(rounds[server].map((r) => r.megabytes_per_second))),
      median_latency_ms: +median(rounds[server].map((r) => r.median_latency_ms)).toFixed(2),
      p95_latency_ms: +median(rounds[server].map((r) => r.p95_latency_ms)).toFixed(2),
    });
    const daemonFigures = summary("daemon");
    const plainFigures = summary("plain");
    const ratio = +(daemonFigures.requests_per_second / plainFigures.requests_per_second).toFixed(
      3,
    );
    figures[label] = {
      file_bytes: file.size,
      concurrency: file.concurrency,
      daemon: daemonFigures,
      plain: plainFigures,
      ratio,
    };
    const unit = label === "large"
      ? (f: typeof daemonFigures) => `${f.megabytes_per_second} MB/s`
      : (f: typeof daemonFigures) => `${f.requests_per_second} req/s`;
    console.log(
      `${label.padEnd(6)} ${(file.size / 1e6).toString().padStart(5)} MB  daemon ${
        unit(daemonFigures).padStart(12)
      }  plain ${unit(plainFigures).padStart(12)}  ratio ${ratio}`,
    );
  }
  const ratios = Object.values(figures).map((f) => (f as { ratio: number }).ratio);
  console.log(`target (ratio >= 0.8): ${ratios.every((r) => r >= 0.8) ? "met" : "NOT met"}`);
  await writeResults("cache_hit", {
    seconds_per_round: SECONDS,
    rounds: ROUNDS,
    ...figures,
    target_ratio: 0.8,
  });
} finally {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
      await child.status;
    } catch { /* already gone */ }
  }
  await mirror?.stop();
  await Deno.remove(dir, { recursive: true });
}
