/**
 * Benchmark: applying a pdiff (rred) to a Debian-sized Packages file.
 *
 * Builds a ~45 MB Packages-like file from 65,000 stanzas, a new version
 * with 1% of the stanzas changed, removed or added, and the `diff --ed`
 * patch between them. Then, five times each and in this process: streams
 * the old file through the patch while hashing the output (what the daemon
 * does), and, as the reference, streams and hashes the same file without a
 * patch. Checks that the result is the new file. Prints medians and the
 * ratio, and writes bench-results/rred.json.
 *
 *   deno run -P=test scripts/bench/rred.ts
 */

import { createHash } from "node:crypto";
import { applyPatches, parseEdScript } from "../../src/apt/pdiff/mod.ts";
import { median, writeResults } from "./results.ts";

const STANZAS = 65_000;
const RUNS = 5;

function stanza(i: number, version = 1): string {
  const name = `pkg${i.toString(36)}`;
  const hex = createHash("sha256").update(`${name}-${version}`).digest("hex");
  return `Package: ${name}\nVersion: ${version}.0-${i % 7}\nArchitecture: amd64\n` +
    `Maintainer: Debian Developers <devel@lists.debian.org>\nInstalled-Size: ${i % 9000}\n` +
    `Depends: libc6 (>= 2.36), lib${name}1 (= ${version}.0)\nSection: utils\nPriority: optional\n` +
    `Filename: pool/main/${name[0]}/${name}/${name}_${version}.0_amd64.deb\nSize: ${1000 + i}\n` +
    `SHA256: ${hex}\nDescription: test package ${name} for the rred benchmark\n` +
    ` A longer description line that makes the stanza the size of a real one, more or less.\n` +
    ` And another one, because real descriptions run to a few lines.\n`;
}

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-rred-" });
try {
  const old = Array.from({ length: STANZAS }, (_, i) => stanza(i));
  const next = old.flatMap((s, i) =>
    i % 300 === 0
      ? []
      : i % 300 === 100
      ? [stanza(i, 2)]
      : i % 300 === 200
      ? [s, stanza(STANZAS + i)]
      : [s]
  );
  await Deno.writeTextFile(`${dir}/old`, old.join("\n"));
  await Deno.writeTextFile(`${dir}/new`, next.join("\n"));
  const diff = await new Deno.Command("diff", { args: ["--ed", `${dir}/old`, `${dir}/new`] })
    .output();
  const patch = diff.stdout;
  const expected = createHash("sha256").update(await Deno.readFile(`${dir}/new`)).digest("hex");
  const size = (await Deno.stat(`${dir}/old`)).size;

  const timeOnce = async (withPatch: boolean) => {
    const started = performance.now();
    const file = await Deno.open(`${dir}/old`);
    const hash = createHash("sha256");
    const stream = withPatch ? applyPatches(file.readable, [parseEdScript(patch)]) : file.readable;
    for await (const chunk of stream) hash.update(chunk);
    const ms = performance.now() - started;
    if (withPatch && hash.digest("hex") !== expected) throw new Error("patched file differs");
    return ms;
  };
  const rss = () => Deno.memoryUsage().rss / 2 ** 20;
  const rssBefore = rss();
  const patched: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await timeOnce(false));
    patched.push(await timeOnce(true));
  }
  const figures = {
    old_file_mib: +(size / 2 ** 20).toFixed(1),
    patch_kib: +(patch.length / 1024).toFixed(1),
    hunks: parseEdScript(patch).length,
    rred_median_ms: Math.round(median(patched)),
    reference_stream_and_hash_median_ms: Math.round(median(plain)),
    ratio: +(median(patched) / median(plain)).toFixed(2),
    rss_growth_mib: Math.round(rss() - rssBefore),
  };
  console.table(figures);
  await writeResults("rred", figures);
} finally {
  await Deno.remove(dir, { recursive: true });
}
