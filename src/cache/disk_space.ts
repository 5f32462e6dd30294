/**
 * Free space on the file system that holds the cache: the status page warns
 * before it is full, and says what eviction did last.
 *
 * @module
 */

import { statfsSync } from "node:fs";

/** Bytes free to us and in all on the file system of a directory. */
export interface DiskSpace {
  /** Free to an unprivileged writer (`df`'s Avail). */
  readonly free: number;
  readonly total: number;
}

/** The file system of `directory`, or null when it cannot be read (it is gone, no permission). */
export function diskSpace(directory: string): DiskSpace | null {
  try {
    const fs = statfsSync(directory);
    return { free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize };
  } catch {
    return null;
  }
}
