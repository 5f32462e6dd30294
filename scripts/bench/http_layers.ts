/**
 * Benchmark: the HTTP layers the daemon could stand on, serving the same
 * files from the same directory over loopback in the same run, each in a
 * process of its own (`layer_server.ts`): Deno.serve, node:http and this
 * project's HTTP/1.1 server. For each: requests per second under `wrk` for
 * a tiny, a 53 KB and a 9.4 MB file (rounds alternate the order), peak
 * resident memory, and how many of 200 dripping and 200 idle connections
 * (from two other loopback addresses) are still open 12 s later, past a
 * 10 s header timeout. Written to bench-results/http_layers.json.
 *
 *   deno run -P=test scripts/bench/http_layers.ts [--seconds 4] [--rounds 2]
 */

import { parseArgs } from "node:util";
import { heldByServer, holdConnections } from "../../tests/helpers/slow_clients.ts";
import { median, processMemory, stopAll, writeResults } from "./results.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string" }, rounds: { type: "string" } },
});
const SECONDS = Number(values.seconds ?? 4);
const ROUNDS = Number(values.rounds ?? 2);
const LAYERS = ["deno-serve", "node-http", "own"] as const;
const FILES = [
  { label: "tiny", name: "tiny.txt", size: 100, connections: 32 },
  { label: "small", name: "small.deb", size: 53_000, connections: 32 },
  { label: "large", name: "large.deb", size: 9_400_000, connections: 8 },
];
const SLOW = 200;

async function requestsPerSecond(url: string, connections: number): Promise<number> {
  const output = await new Deno.Command("wrk", {
    args: ["-t2", `-c${connections}`, `-d${SECONDS}s`, url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (/Non-2xx/.test(text)) throw new Error(`${url}: errors under load\n${text}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
}

const dir = await Deno.makeTempDir({ prefix: "apt-dht-layers-" });
const children: Deno.ChildProcess[] = [];
try {
  for (const file of FILES) {
    await Deno.writeFile(`${dir}/${file.name}`, new Uint8Array(file.size).map((_, i) => i % 251));
  }
  const ports = {} as Record<typeof LAYERS[number], number>;
  for (const [i, layer] of LAYERS.entries()) {
    ports[layer] = 24100 + i;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-P=test",
        new URL("layer_server.ts", import.meta.url).pathname,
        layer,
        String(ports[layer]),
        dir,
      ],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    children.push(child);
  }
  for (const layer of LAYERS) {
    for (let i = 0;; i++) {
      try {
        await (await fetch(`http://127.0.0.1:${ports[layer]}/tiny.txt`)).arrayBuffer();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  const figures: Record<string, Record<string, unknown>> = {};
  for (const layer of LAYERS) figures[layer] = {};
  for (const file of FILES) {
    const runs = Object.fromEntries(LAYERS.map((l) => [l, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...LAYERS].reverse() : [...LAYERS];
      for (const layer of order) {
        runs[layer].push(
          await requestsPerSecond(
            `http://127.0.0.1:${ports[layer]}/${file.name}`,
            file.connections,
          ),
        );
      }
    }
    const reference = median(runs["deno-serve"]);
    console.log(`${file.label} (${file.size} bytes, wrk -t2 -c${file.connections}):`);
    for (const layer of LAYERS) {
      const rps = Math.round(median(runs[layer]));
      figures[layer][`${file.label}_rps`] = rps;
      figures[layer][`${file.label}_ratio`] = +(rps / reference).toFixed(3);
      console.log(
        `  ${layer.padEnd(11)} ${String(rps).padStart(7)} req/s  ratio ${
          (rps / reference).toFixed(2)
        }`,
      );
    }
  }
  for (const [i, layer] of LAYERS.entries()) {
    figures[layer].peak_mb = (await processMemory(children[i].pid)).peak_mb;
  }

  // Slow clients against all three at once: they only hold connections.
  const held = Object.fromEntries(
    await Promise.all(LAYERS.map(async (layer) => {
      const [dripping, idle] = await Promise.all([
        holdConnections(ports[layer], "127.0.0.2", SLOW, "dripping", 1_000),
        holdConnections(ports[layer], "127.0.0.3", SLOW, "idle"),
      ]);
      return [layer, [...dripping, ...idle]] as const;
    })),
  );
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  console.log(`${SLOW} dripping + ${SLOW} idle connections, 12 s later (10 s header timeout):`);
  for (const layer of LAYERS) {
    // Counted on the server's side (`ss`): a client with many sockets is slow to see a close.
    const open = await heldByServer(ports[layer], "127.0.0.2") +
      await heldByServer(ports[layer], "127.0.0.3");
    figures[layer].slow_still_open_after_12s = open;
    console.log(`  ${layer.padEnd(11)} ${open} of ${held[layer].length} still open`);
    for (const c of held[layer]) c.destroy();
  }
  await writeResults("http_layers", { seconds_per_run: SECONDS, rounds: ROUNDS, ...figures });
} finally {
  await stopAll(children);
  await Deno.remove(dir, { recursive: true });
}
