/**
 * Tunables of the archive index's ingest, each with why its value.
 *
 * @module
 */

/**
 * The listing worker's nice value (and its xz's, which inherits it): the
 * lowest priority, so apt's own decompressing and cache building, and the
 * thread that serves requests, always run first; on an idle machine the
 * ingest still gets a whole core.
 */
export const LISTING_WORKER_NICENESS = 19;

/**
 * How long an idle listing worker is kept before it is ended: an apt run
 * reads its listings within seconds of each other, and an ended worker
 * gives its memory back (about 10 MB of its own heap and code).
 */
export const LISTING_WORKER_IDLE_MS = 5_000;

/** The name the listing worker is started under, by which a module knows it is running in it. */
export const LISTING_WORKER_NAME = "apt-dht-listing-ingest";

/**
 * How long no request may have been in flight before a listing is read:
 * apt, done downloading, decompresses the same listing and builds its
 * package cache, and the two together on the same cores slowed a cold
 * `apt-get update` by 7% (scripts/bench/apt_update.ts). A lookup that
 * needs a listing's entries reads it at once.
 */
export const LISTING_QUIET_MS = 2_000;

/** The longest a listing waits for quiet: a proxy that is never idle still reads its listings. */
export const LISTING_MAX_DEFER_MS = 30_000;
