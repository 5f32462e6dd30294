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

const STANZAS = 65_000;
const RUNS = 3;

type Mode = "ingest" | "decode-only";
interface ChildResult {
  ms: number;
  peakExtraMiB: number;
  entries: number;
}

/** One stanza shaped like those of Debian's main/binary-amd64/Packages. */
function stanza(i: number, random: () => number): string {
  const name = `pkg${i.toString(36)}-${["utils", "dev", "doc", "data", "common"][i % 5]}`;
  const hex = (n: number) =>
    Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");
  const words = () =>
    Array.from(
      { length: 3 + Math.floor(random() * 6) },
      () =>
        [
          "data",
          "library",
          "tool",
          "support",
          "the",
          "for",
          "files",
          "runtime",
          "module",
          "package",
        ][Math.floor(random() * 10)],
    ).join(" ");
  const description = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ` ${words()}`)
    .join("\n");
  const section = ["libs", "utils", "devel", "python", "doc", "net"][i % 6];
  return `Package: ${name}
Source: ${name.split("-")[0]}
Version: ${1 + (i % 9)}.${i % 17}.${i % 5}-${1 + (i % 3)}
Installed-Size: ${100 + Math.floor(random() * 90000)}
Maintainer: Debian Example Maintainers <pkg-example-${i % 97}@lists.alioth.debian.org>
Architecture: amd64
Depends: libc6 (>= 2.34), libstdc++6 (>= 12), lib${name}${i % 7} (= ${i % 9}.0)
Description: ${words()}
${description}
Homepage: https://example.org/projects/${name}
Description-md5: ${hex(32)}
Tag: role::program, implemented-in::c++, interface::commandline
Section: ${section}
Priority: optional
Filename: pool/main/${name[0]}/${name.split("-")[0]}/${name}_${1 + (i % 9)}.${i % 17}.${i % 5}-${
    1 + (i % 3)
  }_amd64.deb
Size: ${1000 + Math.floor(random() * 5_000_000)}
MD5sum: ${hex(32)}
SHA256: ${hex(64)}
`;
}

async function generate(
  dir: string,
): Promise<{ plain: string; xz: string; bytes: number; xzBytes: number }> {
  let seed = 42;
  const random = () => { // xorshift32: enough entropy that hashes do not compress
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const plain = `${dir}/Packages`;
  const file = await Deno.open(plain, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let batch = "";
  for (let i = 0; i < STANZAS; i++) {
    batch += stanza(i, random) + "\n";
    if (batch.length > 1 << 20) {
      await file.write(encoder.encode(batch));
      batch = "";
    }
  }
  await file.write(encoder.encode(batch));
  file.close();
  const xz = await new Deno.Command("xz", { args: ["-kf", "-6", "-T2", plain] }).output();
  if (!xz.success) throw new Error("xz failed");
  return {
    plain,
    xz: `${plain}.xz`,
    bytes: (await Deno.stat(plain)).size,
    xzBytes: (await Deno.stat(`${plain}.xz`)).size,
  };
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
  console.log(await generate(Deno.args[1]));
  Deno.exit(0);
}

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-" });
try {
  const files = await generate(dir);
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
