/**
 * The daemon's wiring tunables in one place. What a user may want to change
 * is in the config (src/config/schema.ts); these are the fixed ones.
 *
 * @module
 */

/**
 * Longest wait for an index that may list a file (under the same archive
 * root) and is still arriving or being read, before the file is fetched
 * without its hash: a file served without it is checked against nothing
 * the archive signed, so the wait is long (apt's own timeout is 120 s); a
 * file under another archive does not wait at all.
 */
export const INGEST_WAIT_MS = 60_000;
/** Wait after the first index of a burst (apt-get update) before shared files are matched. */
export const SHARED_MATCH_DELAY_MS = 500;
/** How often the persistent traffic totals are written to the database. */
export const TOTALS_SAVE_INTERVAL_MS = 10_000;
/** Default time transfers in flight get to finish when the daemon stops. */
export const STOP_GRACE_MS = 5_000;
/** Characters of a random UUID that name this daemon's instance in `Via` (loop detection). */
export const INSTANCE_ID_LENGTH = 8;
/** Origin of the requests the daemon makes through its own pipeline (pdiff patches). */
export const INTERNAL_ORIGIN = "http://apt-dht.internal";
/**
 * The slowest a peer may send, on average from the start of its answer,
 * once the grace is over: below it the next source (in the end the mirror)
 * takes over, so a peer dripping bytes cannot keep apt waiting. Low enough
 * that a peer sharing a modest `peers.upload_limit` among a few downloaders
 * still counts as a source.
 */
export const PEER_MIN_RATE = { bytesPerSecond: 16 * 1024, graceMs: 3_000 } as const;
/**
 * Requests in flight at once, per client address and in total; past them a
 * 503. Each holds up to three descriptors (its connection, a file, an
 * upstream connection) of the 65,536 the unit allows; a fleet behind one
 * NAT address still gets 128 at once.
 */
export const REQUEST_CAPS = { perAddress: 128, total: 4096 } as const;

/**
 * `CONNECT` tunnels open at once: each holds two descriptors and a request
 * slot for as long as it lasts; apt opens one per https host it fetches from.
 */
export const MAX_TUNNELS = 256;
