/**
 * The cache: the directory tree of verified files, its records in the state
 * database, and their upkeep (scan, eviction).
 *
 * @module
 */
// The database moved to db/; re-exported while callers move.
export type { EvictionPolicy } from "./eviction.ts";
export type { HashFailure } from "./hash_failures.ts";
export { type DiskSpace, diskSpace } from "./disk_space.ts";
export { CacheKeeper, type EvictionRun } from "./keeper.ts";
export { scanCache, type ScanProgress, type ScanResult } from "./scan.ts";
export {
  type CachedFile,
  CacheStore,
  type CommitMeta,
  type OpenCachedFile,
  type PartialFile,
} from "./store.ts";
