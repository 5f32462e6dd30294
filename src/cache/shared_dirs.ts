/**
 * Extra directories to share (`cache.extra_directories`, e.g.
 * /var/cache/apt/archives): their `.deb` files are hashed where they lie,
 * never moved or changed, and those a tracked index lists with a trusted
 * hash are announced to peers and served by hash.
 *
 * @module
 */

import { sha256OfStream } from "../hash/mod.ts";
import type { CacheStore, SharedFile } from "./store.ts";

export interface SharedScanResult {
  /** Files known (hashed now or before). */
  files: number;
  /** Files hashed in this scan (new or changed). */
  hashed: number;
  /** Records dropped: the file is gone or changed. */
  forgotten: number;
}

/** Every `.deb`/`.udeb`/`.ddeb` under `dir` (apt's `partial/` left out). */
async function debsUnder(dir: string, out: string[] = []): Promise<string[]> {
  let entries: AsyncIterable<Deno.DirEntry>;
  try {
    entries = Deno.readDir(dir);
    for await (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory && entry.name !== "partial") await debsUnder(path, out);
      else if (entry.isFile && /\.(deb|udeb|ddeb)$/.test(entry.name)) out.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

/** Brings the records of the shared directories up to date with what lies in them. */
export async function scanSharedDirectories(
  store: CacheStore,
  directories: readonly string[],
  signal?: AbortSignal,
): Promise<SharedScanResult> {
  const known = new Map(store.sharedFiles().map((f) => [f.path, f]));
  const result: SharedScanResult = { files: 0, hashed: 0, forgotten: 0 };
  const seen = new Set<string>();
  for (const dir of directories) {
    for (const path of await debsUnder(dir.replace(/\/+$/, ""))) {
      signal?.throwIfAborted();
      seen.add(path);
      const stat = await Deno.stat(path).catch(() => undefined);
      if (!stat) continue;
      const mtime = stat.mtime?.getTime() ?? 0;
      const record = known.get(path);
      if (record && record.size === stat.size && record.mtime === mtime) {
        result.files++;
        continue;
      }
      const { sha256 } = await sha256OfStream((await Deno.open(path, { read: true })).readable);
      const file: SharedFile = { path, size: stat.size, mtime, sha256 };
      store.recordShared(file);
      result.files++;
      result.hashed++;
    }
  }
  for (const path of known.keys()) {
    if (seen.has(path)) continue;
    store.forgetShared(path);
    result.forgotten++;
  }
  return result;
}
