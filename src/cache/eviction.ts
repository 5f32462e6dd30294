/**
 * Keeping the cache within bounds: pool files that no tracked index has
 * listed for `expireDays` are removed, then, while the cache is over
 * `maxBytes`, the least recently used files. A file opened recently (it may
 * be being served) is never removed.
 *
 * @module
 */

import type { CacheStore } from "./store.ts";

/**
 * A file opened within this is taken to be in use. (Removing a file that
 * is being read does not cut the reader off on Linux; this keeps a file
 * just fetched from going before apt has it, however tight the limit.)
 */
export const IN_USE_MS = 10 * 60_000;

export interface EvictionPolicy {
  /** The cache's size limit in bytes; 0 for none. */
  readonly maxBytes: number;
  /** Days a pool file may go unlisted before it is removed; 0 to keep such files. */
  readonly expireDays: number;
  /**
   * Whether `key` names content that never changes (pool and by-hash files,
   * `isImmutable` of apt/): only those expire when unlisted; indexes are
   * revalidated instead. Passed in so the cache need not know archive paths.
   */
  readonly expires: (key: string) => boolean;
  /** When a key was last known listed by a tracked index (ArchiveIndex.lastListed). */
  readonly lastListed: (key: string, usedAt: (key: string) => number | undefined) =>
    | number
    | undefined;
  readonly now?: () => number;
  /** Overrides {@link IN_USE_MS}. */
  readonly inUseMs?: number;
}

export interface EvictionResult {
  expired: number;
  evicted: number;
  bytesFreed: number;
}

/** Applies the policy once; `onRemoved` hears of each file removed and why. */
export async function evict(
  store: CacheStore,
  policy: EvictionPolicy,
  onRemoved?: (key: string, reason: string, sha256: string) => void,
): Promise<EvictionResult> {
  const now = policy.now?.() ?? Date.now();
  const inUseMs = policy.inUseMs ?? IN_USE_MS;
  const result: EvictionResult = { expired: 0, evicted: 0, bytesFreed: 0 };
  const records = store.records(); // least recently used first
  const lastUse = new Map(records.map((r) => [r.key, Math.max(r.usedAt, r.checkedAt)]));
  const usedAt = (key: string) => lastUse.get(key);
  let total = records.reduce((sum, r) => sum + r.size, 0);
  const removed = new Set<string>();
  const remove = async (record: typeof records[number], reason: string) => {
    await store.remove(record.key);
    removed.add(record.key);
    total -= record.size;
    result.bytesFreed += record.size;
    onRemoved?.(record.key, reason, record.sha256);
  };

  if (policy.expireDays > 0) {
    const limit = policy.expireDays * 86_400_000;
    for (const record of records) {
      if (!policy.expires(record.key) || store.openedWithin(record.key, inUseMs)) continue;
      const listed = policy.lastListed(record.key, usedAt) ?? record.checkedAt;
      if (now - listed <= limit) continue;
      await remove(record, `not listed for ${Math.floor((now - listed) / 86_400_000)} days`);
      result.expired++;
    }
  }
  if (policy.maxBytes > 0) {
    for (const record of records) {
      if (total <= policy.maxBytes) break;
      if (removed.has(record.key) || store.openedWithin(record.key, inUseMs)) continue;
      await remove(record, `cache over ${policy.maxBytes} bytes; least recently used`);
      result.evicted++;
    }
  }
  return result;
}
