/**
 * The cache scan: makes the tree and its records agree. At daemon start it
 * runs in the background (serving does not wait): a file whose size and
 * mtime match its record is trusted as it is; one whose mtime moved but
 * size did not is rehashed and kept if its content is unchanged; anything
 * else, and files no record names, is removed. `apt-dht scan` rehashes
 * every file (`verify`), with progress.
 *
 * @module
 */

import { sha256OfStream } from "../hash/mod.ts";
import type { CacheStore } from "./store.ts";
import { PARTIAL_DIR } from "./store.ts";

/** Files written this shortly before a scan are left alone by it (a commit may be under way). */
const COMMIT_MARGIN_MS = 5_000;

/** What a scan found and did. */
export interface ScanResult {
  /** Files whose record held (unchanged, or rehashed to the same content). */
  kept: number;
  /** Of those, files that were read and hashed. */
  rehashed: number;
  /** Files removed: changed content, wrong size, or gone from disk (record only). */
  removed: number;
  /** Files on disk that no record named, removed. */
  orphans: number;
  /** Bytes read for hashing. */
  bytesHashed: number;
}

/** Progress of the hashing (what `apt-dht scan` draws). */
export interface ScanProgress {
  readonly files: number;
  readonly totalFiles: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface ScanOptions {
  /** Rehash every file, not only those whose mtime moved. */
  readonly verify?: boolean;
  readonly onProgress?: (progress: ScanProgress) => void;
  /** Told of each removal (the announcer forgets the hash; the log says why). */
  readonly onRemoved?: (key: string, reason: string, sha256?: string) => void;
  readonly signal?: AbortSignal;
}

/** Scans `store`'s tree against its records. */
export async function scanCache(store: CacheStore, options: ScanOptions = {}): Promise<ScanResult> {
  const started = Date.now();
  const result: ScanResult = { kept: 0, rehashed: 0, removed: 0, orphans: 0, bytesHashed: 0 };
  const records = store.records();
  const totalBytes = records.reduce((sum, r) => sum + r.size, 0);
  let files = 0;
  const progress = () =>
    options.onProgress?.({
      files,
      totalFiles: records.length,
      bytes: result.bytesHashed,
      totalBytes,
    });
  const remove = async (key: string, reason: string, sha256?: string) => {
    await store.remove(key);
    result.removed++;
    options.onRemoved?.(key, reason, sha256);
  };

  for (const record of records) {
    options.signal?.throwIfAborted();
    files++;
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(record.path);
    } catch {
      await remove(record.key, "missing on disk", record.sha256);
      continue;
    }
    // A commit since the records were read replaced the file: its new record is right.
    if (!store.has(record.key)) continue;
    const mtime = stat.mtime?.getTime() ?? 0;
    if (!stat.isFile || stat.size !== record.size) {
      await remove(record.key, `size ${stat.size}, recorded ${record.size}`, record.sha256);
      continue;
    }
    if (mtime === record.mtime && !options.verify) {
      result.kept++;
      continue;
    }
    const file = await Deno.open(record.path, { read: true }); // its stream closes it
    const { sha256 } = await sha256OfStream(file.readable, (n) => {
      result.bytesHashed += n;
      if (options.onProgress) progress();
    });
    result.rehashed++;
    if (sha256 !== record.sha256) {
      await remove(record.key, "content changed", record.sha256);
      continue;
    }
    if (mtime !== record.mtime) store.recordMtime(record.key, mtime);
    result.kept++;
    progress();
  }
  progress();
  result.orphans = await removeOrphans(store, started, options);
  return result;
}

/**
 * Removes files no record names (a run killed between rename and record),
 * leaving alone what changed since the scan began: a commit in progress
 * renames its temp file into place before recording it.
 */
async function removeOrphans(
  store: CacheStore,
  started: number,
  options: ScanOptions,
): Promise<number> {
  let removed = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      options.signal?.throwIfAborted();
      const key = prefix ? `${prefix}/${entry.name}` : entry.name;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        if (key !== PARTIAL_DIR) await walk(path, key);
        continue;
      }
      if (store.has(key)) continue;
      const stat = await Deno.lstat(path).catch(() => undefined);
      // File times come from a coarse clock, and a commit stats the file between renaming
      // and recording it: anything written shortly before the scan began may be one.
      if (!stat || (stat.mtime?.getTime() ?? 0) >= started - COMMIT_MARGIN_MS) continue;
      if (store.has(key)) continue; // recorded while we looked
      await Deno.remove(path).catch(() => {});
      removed++;
      options.onRemoved?.(key, "not in the database");
    }
  };
  await walk(store.root, "");
  return removed;
}
