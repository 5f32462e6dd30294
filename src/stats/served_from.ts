/**
 * Where bytes served to apt came from, and which of those are cache hits.
 *
 * @module
 */

/**
 * Where a response to apt came from: the cache, a peer, a mirror, the cache
 * after the mirror said it is unchanged (`revalidated`), the cache because
 * the mirror could not be reached (`stale`), or nowhere (an error).
 */
export type ServedFrom = "cache" | "peer" | "mirror" | "revalidated" | "stale" | "none";

/** The sources that are the cache answering: what a hit ratio counts as hits. */
export const HIT_SOURCES: readonly ServedFrom[] = ["cache", "revalidated", "stale"];

/** Whether a response from `source` was answered from the cache. */
export function isHit(source: string): boolean {
  return (HIT_SOURCES as readonly string[]).includes(source);
}
