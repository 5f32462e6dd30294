/**
 * Benchmark: the cache scan. Fills a cache with 2,000 files (~400 MB, sizes
 * like a Debian pool's), then, five times each and in this process: the
 * start-up scan (records checked against size and mtime only), the full
 * verify of `apt-dht scan` (every file rehashed), and, as the reference,
 * reading and hashing the same files with nothing else around. Prints
 * medians and ratios, and writes bench-results/cache_scan.json.
 *
 *   deno run -P=test scripts/bench/cache_scan.ts
 */

import { createHash } from "node:crypto";
import { CacheStore, scanCache } from "../../src/cache/mod.ts";
import { openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { median, writeResults } from "./results.ts";

const FILES = 2_000;
const RUNS = 5;

const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-scan-" });
const db = openDatabase(":memory:");
try {
  const store = new CacheStore(dir, db, new Logger("error"));
  await store.init();
  let bytes = 0;
  const paths: string[] = [];
  for (let i = 0; i < FILES; i++) {
    // Mostly small packages, a few large ones: 200 KB median, a tail to 4 MB.
    const size = i % 50 === 0 ? 4_000_000 : 20_000 + (i * 7919) % 300_000;
    const data = new Uint8Array(size);
    crypto.getRandomValues(data.subarray(0, Math.min(size, 65_536)));
    const partial = await store.createPartial();
    await partial.file.write(data);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const key = `m/debian/pool/main/p/p${i}/p${i}_1_amd64.deb`;
    await store.commit(partial, key, { sha256, announce: true });
    partial.file.close();
    paths.push(store.pathOf(key));
    bytes += size;
  }
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const reference = async () => {
    for (const path of paths) {
      const hash = createHash("sha256");
      using file = await Deno.open(path);
      for await (const chunk of file.readable) hash.update(chunk);
      hash.digest("hex");
    }
  };
  const quick: number[] = [];
  const verify: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await time(reference));
    verify.push(await time(() => scanCache(store, { verify: true })));
    quick.push(await time(() => scanCache(store)));
  }
  const figures = {
    files: FILES,
    total_mib: Math.round(bytes / 2 ** 20),
    startup_scan_median_ms: Math.round(median(quick)),
    verify_scan_median_ms: Math.round(median(verify)),
    reference_read_and_hash_median_ms: Math.round(median(plain)),
    verify_over_reference: +(median(verify) / median(plain)).toFixed(2),
    startup_over_reference: +(median(quick) / median(plain)).toFixed(3),
    verify_mib_per_s: Math.round(bytes / 2 ** 20 / (median(verify) / 1000)),
  };
  console.table(figures);
  await writeResults("cache_scan", figures);
} finally {
  db.close();
  await Deno.remove(dir, { recursive: true });
}
