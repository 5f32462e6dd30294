/**
 * Benchmark: ingesting a Debian-sized Packages index into the archive index.
 *
 * Generates 65,000 realistic stanzas (about 45 MB, and an xz copy), then
 * runs each case in a fresh child process (so peak memory is its own) three
 * times: the full ingest (decompress, parse, write sqlite) and, as the
 * reference floor, decompressing and decoding the same file without parsing.
 * Prints a table and writes bench-results/ingest_packages.json.
 *
 *   deno run -P=test scripts/bench/ingest_packages.ts
 *   deno run -P=test scripts/bench/ingest_packages.ts --generate-only DIR
 */

import { ArchiveIndex, decompress } from "../../src/apt/mod.ts";
import { openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { median, writeResults } from "./results.ts";
import { writeSyntheticPackages } from "./synthetic_packages.ts";

const STANZAS = 65_000;
const RUNS = 3;

type Mode = "ingest" | "decode-only";
interface ChildResult {
  ms: number;
  peakExtraMiB: number;
  entries: number;
}

function procStatus(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
    Deno.readTextFileSync("/proc/self/status"),
  );
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Runs in the child: one measured ingest. */
async function child(mode: Mode, path: string): Promise<ChildResult> {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(`${dir}/bench.db`);
  const index = new ArchiveIndex(db, new Logger("warn"));
  // Start the measurement from a settled heap, with the peak counter reset.
  const before = procStatus("VmRSS");
  Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  const started = performance.now();
  let entries = 0;
  const key = `bench.example/debian/dists/stable/main/binary-amd64/${
    path.endsWith(".xz") ? "Packages.xz" : "Packages"
  }`;
  if (mode === "ingest") {
    entries = (await index.ingest(key, path))!.entries;
  } else {
    const file = await Deno.open(path);
    const text = decompress(file.readable, path.endsWith(".xz") ? "xz" : "none").pipeThrough(
      new TextDecoderStream(),
    );
    for await (const chunk of text) entries += chunk.length > 0 ? 0 : 1;
  }
  const ms = performance.now() - started;
  const peakExtraMiB = (procStatus("VmHWM") - before) / (1 << 20);
  db.close();
  await Deno.remove(dir, { recursive: true });
  return { ms, peakExtraMiB, entries };
}

async function runChild(mode: Mode, path: string): Promise<ChildResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--child", mode, path],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`child ${mode} ${path} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

if (Deno.args[0] === "--child") {
  console.log(JSON.stringify(await child(Deno.args[1] as Mode, Deno.args[2])));
  Deno.exit(0);
}
if (Deno.args[0] === "--generate-only") { // leaves the files for profiling by hand
  console.log(await writeSyntheticPackages(Deno.args[1], STANZAS));
  Deno.exit(0);
}

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-" });
try {
  const files = await writeSyntheticPackages(dir, STANZAS);
  console.log(
    `Packages: ${STANZAS} stanzas, ${(files.bytes / 1e6).toFixed(1)} MB, xz ${
      (files.xzBytes / 1e6).toFixed(1)
    } MB`,
  );
  const cases: Record<string, unknown> = {};
  for (const [label, path] of [["uncompressed", files.plain], ["xz", files.xz]] as const) {
    for (const mode of ["decode-only", "ingest"] as const) {
      const runs: ChildResult[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await runChild(mode, path));
      const result = {
        median_ms: Math.round(median(runs.map((r) => r.ms))),
        median_peak_extra_mib: Math.round(median(runs.map((r) => r.peakExtraMiB))),
        entries: runs[0].entries,
        runs: runs.map((r) => ({
          ms: Math.round(r.ms),
          peak_extra_mib: Math.round(r.peakExtraMiB),
        })),
      };
      cases[`${label}/${mode}`] = result;
      console.log(
        `${`${label} ${mode}`.padEnd(26)} median ${
          String(result.median_ms).padStart(5)
        } ms   peak +${result.median_peak_extra_mib} MiB` +
          (mode === "ingest" ? `   entries ${result.entries}` : ""),
      );
    }
  }
  const target = { max_ms: 2000, max_extra_mib: 150 };
  const verdicts = ["uncompressed", "xz"].map((label) => {
    const r = cases[`${label}/ingest`] as { median_ms: number; median_peak_extra_mib: number };
    return r.median_ms < target.max_ms && r.median_peak_extra_mib < target.max_extra_mib;
  });
  console.log(
    `target (< ${target.max_ms} ms, < ${target.max_extra_mib} MiB extra): ${
      verdicts.every(Boolean) ? "met" : "NOT met"
    }`,
  );
  await writeResults("ingest_packages", {
    stanzas: STANZAS,
    bytes: files.bytes,
    xz_bytes: files.xzBytes,
    cases,
    target,
    target_met: verdicts.every(Boolean),
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
