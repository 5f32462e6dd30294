/**
 * Benchmark: the machine's own Debian index next to the synthetic one.
 *
 * The largest `Packages` apt has (`apt-get indextargets`, read with
 * `/usr/lib/apt/apt-helper cat-file`, recompressed with `xz -6` as Debian
 * publishes it; run `apt-get update` first if apt has none) and a
 * 65,000-stanza synthetic one. Each case runs three times in a fresh child
 * process (its peak memory is its own): decompressing with the WebAssembly
 * decoder, with the system's `xz` in its own process, and the full ingest
 * (system xz, parse, sqlite). Writes bench-results/ingest_real_index.json.
 *
 *   deno run -P=test scripts/bench/ingest_real_index.ts
 */

import { ArchiveIndex, decompress } from "../../src/apt/mod.ts";
import { openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { median, writeResults } from "./results.ts";
import { writeSyntheticPackages } from "./synthetic_packages.ts";

const RUNS = 3;
type Mode = "decode-wasm" | "decode-native" | "ingest";
const MODES: readonly Mode[] = ["decode-wasm", "decode-native", "ingest"];

function procStatus(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
    Deno.readTextFileSync("/proc/self/status"),
  );
  return match ? Number(match[1]) * 1024 : NaN;
}

async function child(mode: Mode, path: string) {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(`${dir}/bench.db`);
  const index = new ArchiveIndex(db, new Logger("warn"));
  const before = procStatus("VmRSS");
  Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  const started = performance.now();
  let entries = 0;
  if (mode === "ingest") {
    entries =
      (await index.ingest("bench.example/debian/dists/x/main/binary-amd64/Packages.xz", path))!
        .entries;
  } else {
    const file = await Deno.open(path);
    const native = mode === "decode-native";
    for await (const chunk of decompress(file.readable, "xz", { native })) entries += chunk.length;
  }
  const ms = performance.now() - started;
  const peakExtraMiB = (procStatus("VmHWM") - before) / (1 << 20);
  db.close();
  await Deno.remove(dir, { recursive: true });
  return { ms, peakExtraMiB, entries };
}

if (Deno.args[0] === "--child") {
  console.log(JSON.stringify(await child(Deno.args[1] as Mode, Deno.args[2])));
  Deno.exit(0);
}

async function runChild(mode: Mode, path: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--child", mode, path],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`child ${mode} ${path} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout)) as {
    ms: number;
    peakExtraMiB: number;
    entries: number;
  };
}

/** The largest Packages index apt has, as plain text in `dir`; undefined when apt has none. */
async function realIndex(dir: string): Promise<{ plain: string; source: string } | undefined> {
  const listed = await new Deno.Command("apt-get", {
    args: ["indextargets", "--format", "$(FILENAME)", "Identifier: Packages"],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  const files = new TextDecoder().decode(listed?.stdout ?? new Uint8Array()).split("\n")
    .filter(Boolean);
  let best: { path: string; size: number } | undefined;
  for (const name of files) {
    for (const suffix of ["", ".lz4", ".xz", ".gz", ".zst"]) {
      const stat = await Deno.stat(name + suffix).catch(() => undefined);
      if (stat && (!best || stat.size > best.size)) best = { path: name + suffix, size: stat.size };
    }
  }
  if (!best) return undefined;
  const plain = `${dir}/Packages`;
  const out = await Deno.open(plain, { write: true, create: true, truncate: true });
  const cat = new Deno.Command("/usr/lib/apt/apt-helper", {
    args: ["cat-file", best.path],
    stdout: "piped",
  }).spawn();
  await cat.stdout.pipeTo(out.writable);
  if (!(await cat.status).success) throw new Error(`apt-helper cat-file ${best.path} failed`);
  return { plain, source: best.path };
}

async function xzFile(plain: string): Promise<string> {
  const xz = await new Deno.Command("xz", { args: ["-kf", "-6", "-T2", plain] }).output();
  if (!xz.success) throw new Error("xz failed");
  return `${plain}.xz`;
}

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-" });
try {
  const sources: Record<string, { xz: string; detail: string }> = {};
  await Deno.mkdir(`${dir}/real`);
  const real = await realIndex(`${dir}/real`);
  if (real) {
    const stanzas = (await Deno.readTextFile(real.plain)).split("\n\n").filter((s) =>
      s.trim()
    ).length;
    sources.real = { xz: await xzFile(real.plain), detail: `${real.source}, ${stanzas} stanzas` };
  } else console.log("apt has no Packages index here (run apt-get update): synthetic only");
  await Deno.mkdir(`${dir}/synthetic`);
  const synthetic = await writeSyntheticPackages(`${dir}/synthetic`, 65_000);
  sources.synthetic = { xz: synthetic.xz, detail: "65000 stanzas" };
  const cases: Record<string, unknown> = {};
  for (const [label, source] of Object.entries(sources)) {
    const xzBytes = (await Deno.stat(source.xz)).size;
    console.log(`${label}: ${source.detail}, xz ${(xzBytes / 1e6).toFixed(1)} MB`);
    for (const mode of MODES) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await runChild(mode, source.xz));
      const result = {
        median_ms: Math.round(median(runs.map((r) => r.ms))),
        median_peak_extra_mib: Math.round(median(runs.map((r) => r.peakExtraMiB))),
        runs_ms: runs.map((r) => Math.round(r.ms)),
        ...(mode === "ingest" ? { entries: runs[0].entries } : {}),
      };
      cases[`${label}/${mode}`] = { ...result, source: source.detail, xz_bytes: xzBytes };
      console.log(
        `  ${mode.padEnd(14)} median ${
          String(result.median_ms).padStart(5)
        } ms  peak +${result.median_peak_extra_mib} MiB${
          mode === "ingest" ? `  entries ${runs[0].entries}` : ""
        }`,
      );
    }
  }
  const target = { max_ms: 1000, max_extra_mib: 40 };
  const realIngest = cases["real/ingest"] as { median_ms: number; median_peak_extra_mib: number };
  const met = realIngest
    ? realIngest.median_ms < target.max_ms &&
      realIngest.median_peak_extra_mib < target.max_extra_mib
    : undefined;
  console.log(`target for the real index (< 1000 ms, < 40 MiB extra): ${met ? "met" : "NOT met"}`);
  await writeResults("ingest_real_index", { cases, target, target_met: met });
} finally {
  await Deno.remove(dir, { recursive: true });
}
