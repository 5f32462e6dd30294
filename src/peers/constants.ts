/**
 * Tunables of the peer side: how a peer's score is made (DESIGN.md,
 * "Peers and pieces"). Each factor is in [0, 1]; the score is their product.
 *
 * @module
 */

/** Hash errors count against a peer for this long: a day outlasts an apt-get run, then a fixed peer is trusted again. */
export const BLAME_WINDOW_MS = 24 * 60 * 60_000;
/** Hash errors within the window that bring the errors factor to 0: one may be a disk error, three are a liar. */
export const BLAME_ERRORS_TO_ZERO = 3;
/** Lag to the first byte that brings the lag factor to 0: a mirror answers in well under a second, 15 s is useless. */
export const LAG_TO_ZERO_MS = 15_000;
/** Requests in flight that bring the pending factor to 0: a peer busy with ten is shared enough. */
export const PENDING_TO_ZERO = 10;
/** Connections idle longer than this are assumed closed (Deno's client pool closes idle ones at about this age). */
export const CONNECTION_IDLE_MS = 30_000;
/** The connection factor of a peer without an open connection (a new one costs a handshake). */
export const NO_CONNECTION_FACTOR = 0.9;

/** Each file we hold is announced again this often: stored peers expire after 30 min (PEER_TTL_MS). */
export const ANNOUNCE_INTERVAL_MS = 25 * 60_000;
/** A failed announce is tried again after this long: the DHT may have been unreachable for a moment. */
export const ANNOUNCE_RETRY_MS = 60_000;
/** Announces started per second at least: a cache of thousands of files must not flood the DHT at start. */
export const ANNOUNCES_PER_SECOND = 5;
/**
 * The pace rises with the cache: every file must come round within the
 * announce interval, with this much to spare for retries and a slow DHT
 * (20,000 files: 20 a second, where 5 took 67 minutes, past the expiry).
 */
export const ANNOUNCE_PACE_MARGIN = 1.5;
/** Announces in flight at least: each is a lookup and a store, under loss seconds long, so several at once. */
export const ANNOUNCES_IN_FLIGHT = 16;
/** Seconds an announce may take under loss (lookup and store at 20% loss: 2 to 4 s): in flight = pace × this. */
export const ANNOUNCE_SECONDS = 4;

/**
 * How long a download waits for the DHT to name a peer before it starts
 * from the mirror, while lookups here have found nobody lately: a LAN
 * peer is found in a few ms, and a file nobody holds costs at most this
 * more than the mirror alone. The lookup goes on in the background up to
 * `peers.wait`, so a network whose peers take longer to find is noticed.
 */
export const PROBE_WAIT_MS = 30;
/** Once lookups find peers, the wait is this many times the 90th percentile of their time to the first one. */
export const FOUND_WAIT_FACTOR = 2;
/** Lookups that found a peer, remembered for that percentile. */
export const FOUND_SAMPLES = 32;
/** A find this old no longer says the network shares (a fleet upgrades together, then goes quiet). */
export const SHARED_MEMORY_MS = 30 * 60_000;

/** Score factor of a peer one other daemon voted against: ranked after the others, still used. */
export const ONE_VOTER_FACTOR = 0.5;
/** Independent voters (distinct keys) that make a peer avoided, as if we had blamed it ourselves. */
export const VOTERS_TO_AVOID = 2;
/** A peer's votes are read again after this long (they change slowly; reading costs a lookup). */
export const REPUTATION_RECHECK_MS = 10 * 60_000;
/**
 * How long a download waits for the votes of a peer it has not judged yet,
 * from when the peer was found, unless told (the daemon uses `peers.wait`,
 * how long it waits for peers at all). Reading them is one lookup, started
 * the moment the peer is found: on a LAN it is over long before; across
 * the internet a peer not judged in time is used as it is, and judged for
 * the next download.
 */
export const REPUTATION_WAIT_MS = 300;
/** Our votes are stored again this often (stores keep them 2 hours). */
export const VOTE_REPUBLISH_MS = 45 * 60_000;
/** Peers whose reputation is remembered: the oldest checked is forgotten first. */
export const REPUTATIONS_REMEMBERED = 4096;
