/**
 * Benchmark: this tree against a base commit, in the same run. The
 * cache-hit and peer-download benchmarks run alternately in a temporary
 * worktree of the base and in this tree (so both see the same machine
 * state), and the medians are compared: a change that claims "no
 * regression" shows it here. Prints a table and writes
 * bench-results/compare_refs.json.
 *
 *   deno run -P=test scripts/bench/compare_refs.ts [--base <ref>] [--rounds 3] [--no-peers]
 */

import { parseArgs } from "node:util";
import { median, writeResults } from "./results.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    rounds: { type: "string" },
    "no-peers": { type: "boolean" }, // cache hits only: more rounds in the same time
  },
});
const BASE = values.base ?? "HEAD~1";
const ROUNDS = Number(values.rounds ?? 3);
const here = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

async function run(command: string, args: string[], cwd: string): Promise<string> {
  const output = await new Deno.Command(command, { args, cwd, stderr: "inherit" }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${text}`);
  return text;
}

/** Runs one benchmark script in `tree` and returns its results file. */
async function bench(tree: string, script: string, args: string[] = []) {
  await run(Deno.execPath(), ["run", "-P=test", `scripts/bench/${script}.ts`, ...args], tree);
  return JSON.parse(await Deno.readTextFile(`${tree}/bench-results/${script}.json`));
}

type Figures = Record<string, number>;

/** The figures compared, from one cache-hit run (ratios to plain Deno.serve cancel machine noise). */
function cacheHitFigures(result: Record<string, { daemon: Figures; ratio: number }>): Figures {
  return {
    "cache hit 10 MB, MB/s": result.large.daemon.megabytes_per_second,
    "cache hit 10 MB, ratio to Deno.serve": result.large.ratio,
    "cache hit 50 KB, req/s": result.small.daemon.requests_per_second,
    "cache hit 50 KB, ratio to Deno.serve": result.small.ratio,
  };
}

function peerFigures(
  result: { median_seconds: Record<string, number>; ttfb_50kb_ms: Figures },
): Figures {
  return {
    "20 MiB from 1 peer, s": result.median_seconds["1"],
    "20 MiB from 4 peers, s": result.median_seconds["4"],
    "50 KB first byte via a peer, ms": result.ttfb_50kb_ms.via_peer,
  };
}

const baseCommit = (await run("git", ["rev-parse", "--short", BASE], here)).trim();
const headCommit = (await run("git", ["rev-parse", "--short", "HEAD"], here)).trim();
const baseTree = await Deno.makeTempDir({ prefix: "apt-dht-base-" });
await run("git", ["worktree", "add", "--detach", "--force", baseTree, baseCommit], here);
try {
  const runs: Record<"base" | "head", Figures[]> = { base: [], head: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? ["head", "base"] as const : ["base", "head"] as const;
    for (const side of order) {
      const tree = side === "base" ? baseTree : here;
      const figures = cacheHitFigures(await bench(tree, "cache_hit", ["--rounds", "1"]));
      // The peer benchmark is slow (it waits on rate-limited peers): one run per side.
      if (round === 0 && !values["no-peers"]) {
        Object.assign(figures, peerFigures(await bench(tree, "peer_download")));
      }
      runs[side].push(figures);
      console.log(`round ${round + 1} ${side}: ${JSON.stringify(figures)}`);
    }
  }
  const names = Object.keys(runs.base[0]);
  const medianOf = (side: "base" | "head", name: string) =>
    median(runs[side].map((f) => f[name]).filter((v) => v !== undefined));
  const table: Record<string, { base: number; head: number; head_over_base: number }> = {};
  console.log(
    `\n${"figure".padEnd(40)} ${baseCommit.padStart(10)} ${headCommit.padStart(10)}  ratio`,
  );
  for (const name of names) {
    const base = +medianOf("base", name).toFixed(3);
    const head = +medianOf("head", name).toFixed(3);
    table[name] = { base, head, head_over_base: +(head / base).toFixed(3) };
    console.log(
      `${name.padEnd(40)} ${String(base).padStart(10)} ${String(head).padStart(10)}  ${
        (head / base).toFixed(3)
      }`,
    );
  }
  await writeResults("compare_refs", {
    base: baseCommit,
    head: headCommit,
    rounds: ROUNDS,
    medians: table,
    runs,
  });
} finally {
  await run("git", ["worktree", "remove", "--force", baseTree], here).catch(() => {});
  await Deno.remove(baseTree, { recursive: true }).catch(() => {});
}
