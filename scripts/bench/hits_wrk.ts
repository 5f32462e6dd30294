/**
 * Benchmark: cache hits as a user's machine sees them, under an external
 * load generator (`wrk`), against the references in the same run: a plain
 * `Deno.serve` file server, nginx (sendfile) and apt-cacher-ng, all
 * serving the same two files (9.4 MB and 53 KB) over loopback. Rounds
 * alternate between the servers; medians and ratios to plain Deno.serve
 * are printed and written to bench-results/hits_wrk.json.
 *
 * Installs wrk, nginx-light and apt-cacher-ng with apt-get when missing
 * (as root). apt-cacher-ng keeps ports in a signed 16-bit number: it and
 * the mirror get ones below 32768.
 *
 *   deno run -P=test scripts/bench/hits_wrk.ts [--seconds 5] [--rounds 3]
 */

import { parseArgs } from "node:util";
import { MirrorServer } from "../../tests/helpers/mirror_server.ts";
import { bytes, writeFile } from "../../tests/helpers/archive.ts";
import { cliArgs, runArgs } from "../../tests/helpers/daemon_process.ts";
import { median, processMemory, stopAll, writeResults } from "./results.ts";
import {
  ensureTools,
  freePort,
  startAptCacherNg,
  startNginx,
  untilAnswers,
  wrk,
  type WrkFigures,
} from "./load.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string" }, rounds: { type: "string" } },
});
const SECONDS = Number(values.seconds ?? 5);
const ROUNDS = Number(values.rounds ?? 3);
const FILES = {
  large: { name: "large_1_all.deb", size: 9_400_000, connections: 8 },
  small: { name: "small_1_all.deb", size: 53_000, connections: 32 },
};
const SERVERS = ["apt-dht", "deno-serve", "nginx", "apt-cacher-ng"] as const;
type Server = typeof SERVERS[number];

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-" });
const children: Deno.ChildProcess[] = [];
let mirror: MirrorServer | undefined;
try {
  await ensureTools({ wrk: "wrk", nginx: "nginx-light", "apt-cacher-ng": "apt-cacher-ng" });
  for (const [i, file] of Object.values(FILES).entries()) {
    await writeFile(
      `${dir}/mirror`,
      `debian/pool/main/b/bench/${file.name}`,
      bytes(file.size, i + 1),
    );
  }
  // Below 32768 too: apt-cacher-ng reads the upstream's port into a signed 16-bit number as well.
  mirror = await MirrorServer.start(`${dir}/mirror`, "127.0.0.1", freePort(32768));
  const path = (file: { name: string }) => `debian/pool/main/b/bench/${file.name}`;

  const ports = {} as Record<Server, number>;
  ports["apt-dht"] = freePort();
  const daemon = new Deno.Command(Deno.execPath(), {
    args: cliArgs(
      ...runArgs(dir, { port: ports["apt-dht"], extra: ["--log-level", "warn", "--no-dht"] }),
    ),
    stdout: "null",
    stderr: "null",
  }).spawn();
  children.push(daemon);
  await untilAnswers(`http://127.0.0.1:${ports["apt-dht"]}/stats.json`, daemon);
  const cached = `${dir}/cache/${mirror.authority}`; // the daemon's copies, served by all the others

  ports["deno-serve"] = freePort();
  const plain = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=test",
      new URL("plain_file_server.ts", import.meta.url).pathname,
      String(ports["deno-serve"]),
      cached,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  children.push(plain);

  ports.nginx = freePort();
  const nginx = await startNginx(
    `${dir}/nginx`,
    `  server { listen 127.0.0.1:${ports.nginx}; root ${cached}; }`,
  );
  children.push(nginx);

  ports["apt-cacher-ng"] = freePort(32768);
  children.push(await startAptCacherNg(`${dir}/acng`, ports["apt-cacher-ng"]));

  // Every server in rewrite or plain form, each cache filled once from the loopback mirror.
  const url = (server: Server, file: { name: string }) =>
    server === "apt-dht" || server === "apt-cacher-ng"
      ? `http://127.0.0.1:${ports[server]}/${mirror!.authority}/${path(file)}`
      : `http://127.0.0.1:${ports[server]}/${path(file)}`;
  for (const file of Object.values(FILES)) {
    for (let attempt = 0;; attempt++) {
      const response = await fetch(url("apt-dht", file));
      await response.arrayBuffer();
      if (response.headers.get("x-apt-dht-source") === "cache") break;
      if (attempt > 50) throw new Error("the daemon did not cache the file");
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const server of SERVERS) await untilAnswers(url(server, file));
  }

  const figures: Record<string, unknown> = {};
  for (const [label, file] of Object.entries(FILES)) {
    const runs = Object.fromEntries(
      SERVERS.map((s) => [s, [] as WrkFigures[]]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...SERVERS].reverse() : [...SERVERS];
      for (const server of order) {
        runs[server].push(
          await wrk(url(server, file), { connections: file.connections, seconds: SECONDS }),
        );
      }
    }
    const summary = Object.fromEntries(SERVERS.map((server) => [server, {
      requests_per_second: Math.round(median(runs[server].map((r) => r.requests_per_second))),
      p50_ms: +median(runs[server].map((r) => r.p50_ms)).toFixed(2),
      p99_ms: +median(runs[server].map((r) => r.p99_ms)).toFixed(2),
      runs_rps: runs[server].map((r) => Math.round(r.requests_per_second)),
    }]));
    const reference = summary["deno-serve"].requests_per_second;
    const ratios = Object.fromEntries(
      SERVERS.map((s) => [s, +(summary[s].requests_per_second / reference).toFixed(3)]),
    );
    figures[label] = {
      file_bytes: file.size,
      connections: file.connections,
      ...summary,
      ratio_to_deno_serve: ratios,
    };
    console.log(`${label} (${(file.size / 1e6).toFixed(3)} MB, wrk -t2 -c${file.connections}):`);
    for (const server of SERVERS) {
      const s = summary[server];
      console.log(
        `  ${server.padEnd(14)} ${String(s.requests_per_second).padStart(7)} req/s  p50 ${
          String(s.p50_ms).padStart(7)
        } ms  p99 ${String(s.p99_ms).padStart(7)} ms  ratio ${ratios[server]}`,
      );
    }
  }
  const memory = await processMemory(daemon.pid);
  console.log(
    `apt-dht memory: ${memory.rss_mb} MB resident after the runs, peak ${memory.peak_mb} MB`,
  );
  await writeResults("hits_wrk", {
    apt_dht_memory: memory,
    seconds_per_run: SECONDS,
    rounds: ROUNDS,
    nginx: "worker_processes auto, sendfile on",
    ...figures,
    targets: { small: 0.95, large: 0.95, large_vs_apt_cacher_ng: 1, rss_mb: 150 },
  });
} finally {
  await stopAll(children);
  await mirror?.stop();
  await Deno.remove(dir, { recursive: true });
}
