/**
 * `apt-dht scan`: verifies the whole cache now. Every file is rehashed
 * against its record; changed, missing and unrecorded files are removed.
 * Progress is a bar on a terminal and a plain line per 10% otherwise (on
 * stderr); each file removed is named on stdout, then the summary.
 *
 * @module
 */

import { CacheStore, scanCache, type ScanProgress, type ScanResult } from "../cache/mod.ts";
import { DATABASE_FILE, openDatabase } from "../db/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import { formatBytes } from "../util/format.ts";

/** Draws progress: `\r`-redrawn bar for a terminal, a line per tenth for logs and pipes. */
export function progressReporter(
  write: (text: string) => void,
  terminal: boolean,
): (progress: ScanProgress) => void {
  let lastTenth = -1;
  let lastDraw = 0;
  return (p) => {
    const fraction = p.totalBytes
      ? p.bytes / p.totalBytes
      : p.totalFiles
      ? p.files / p.totalFiles
      : 1;
    const figures = `${p.files}/${p.totalFiles} files, ${formatBytes(p.bytes)} of ${
      formatBytes(p.totalBytes)
    }`;
    if (terminal) {
      const now = performance.now();
      if (now - lastDraw < 100 && fraction < 1) return;
      lastDraw = now;
      const width = 30;
      const full = Math.round(fraction * width);
      write(
        `\r[${"#".repeat(full)}${"-".repeat(width - full)}] ${
          Math.floor(fraction * 100)
        }% ${figures}\x1b[K`,
      );
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    write(`scan: ${tenth * 10}% (${figures})\n`);
  };
}

/** A one-line account of a scan. */
export function scanSummary(result: ScanResult): string {
  return `scan: ${result.kept} files verified (${formatBytes(result.bytesHashed)} hashed), ` +
    `${result.removed} removed for changed or missing content, ${result.orphans} unrecorded removed`;
}

/** Runs the scan over the configured cache; resolves to the exit status. */
export async function runScan(config: Config, log: Logger): Promise<number> {
  await Deno.mkdir(config.state.directory, { recursive: true });
  const db = openDatabase(`${config.state.directory}/${DATABASE_FILE}`);
  try {
    const store = new CacheStore(config.cache.directory, db, log);
    await Deno.mkdir(config.cache.directory, { recursive: true });
    const encoder = new TextEncoder();
    const terminal = Deno.stderr.isTerminal();
    const result = await scanCache(store, {
      verify: true,
      onProgress: progressReporter((text) => Deno.stderr.writeSync(encoder.encode(text)), terminal),
      // Named on stdout, one line each, before the summary: what the admin has to fetch again.
      onRemoved: (key, reason) => {
        if (terminal) Deno.stderr.writeSync(encoder.encode("\r\x1b[K")); // under the bar
        console.log(`scan: removed ${config.cache.directory}/${key}: ${reason}`);
      },
    });
    if (terminal) Deno.stderr.writeSync(encoder.encode("\n"));
    console.log(scanSummary(result));
    return result.removed ? 1 : 0;
  } finally {
    db.close();
  }
}
