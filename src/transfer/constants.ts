/**
 * Tunables of the transfer engine, in one place, each with why its value.
 * The piece scheduler's (piece_schedule.ts) are read there as defaults,
 * which tests override.
 *
 * @module
 */

/**
 * Bytes read from a temp file (or memory) per chunk handed to a reader:
 * large enough that a 10 MB hit is 40 reads, small enough that a slow
 * reader holds little.
 */
export const READ_CHUNK = 256 * 1024;

/**
 * With the disk full, files up to this size are still streamed, from
 * memory: the largest .debs (firmware, debug symbols) are a few hundred MB,
 * and apt must not fail because the cache cannot grow.
 */
export const MAX_HELD_BYTES = 1024 * 1024 * 1024;

/**
 * Pieces requested ahead of the one being handed on: 16 × 512 KiB = 8 MiB
 * in memory at most per download, enough to keep four peers with two
 * requests each busy while one piece is late.
 */
export const PIECE_WINDOW = 16;

/**
 * Piece requests in flight per source: two hide one round trip between
 * pieces without piling a slow peer's queue with pieces others could give.
 */
export const PIECE_REQUESTS_PER_SOURCE = 2;

/**
 * Failed piece requests after which a source is not asked again for this
 * file: one failure may be a lost connection, two are a pattern.
 */
export const PIECE_MAX_FAILURES = 2;

/**
 * When the piece apt waits for has been with a peer this long, a mirror is
 * asked for it too: slow peers never make apt wait much longer than the
 * mirror alone would.
 */
export const PIECE_HEDGE_AFTER_MS = 1000;

/**
 * Independent parties (distinct /24 or /48 networks) that must name a piece
 * list before pieces matching it reach apt ahead of the whole file's hash.
 * One peer alone can send a list that matches its own wrong bytes.
 */
export const PIECE_LIST_CONFIRMATIONS = 2;

/**
 * Longest file taken from a peer when no index gives its size (a Release
 * found by its signature: Debian's are a few hundred KB).
 */
export const MAX_UNSIZED_PEER_BYTES = 64 * 1024 * 1024;

/**
 * How long a peer's answer about its copy of a file may take: on a LAN a
 * HEAD is a millisecond; one that has not answered in a second is not a
 * source worth waiting for.
 */
export const FLEET_PROBE_TIMEOUT_MS = 1000;

/**
 * How long a download waits for a peer with a lower ticket to decide where
 * it fetches from (fleet_role.ts, rule 4), asking again every
 * FLEET_WAIT_STEP_MS: a decision is a lookup and a HEAD away, well under a
 * second on a LAN; past this the mirror is asked, so waiting never costs
 * more than this.
 */
export const FLEET_WAIT_MS = 1500;
export const FLEET_WAIT_STEP_MS = 100;

/**
 * A download that fetches from the mirror looks again for others that do
 * the same (simultaneous starters that did not see each other) after this
 * long, then at twice the interval each time up to FLEET_RECHECK_MAX_MS:
 * the first looks catch a race within a fraction of the file, later ones
 * cost a lookup every few seconds at most.
 */
export const FLEET_RECHECK_FIRST_MS = 250;
export const FLEET_RECHECK_MAX_MS = 8000;

/**
 * Sources a download in progress tries (a peer failing, the one it followed
 * dying, a change of who leads) before it leaves the fleet for the mirror
 * alone: bounds the time a dying or lying fleet can cost.
 */
export const FLEET_MAX_ROUNDS = 8;

/**
 * Peers the first look for a file gathers before it goes on: four whole
 * copies keep a download in pieces busy, and stopping there spares a
 * small file the rest of the lookup (peers.wait).
 */
export const FLEET_FIRST_LOOK = 4;

/**
 * Peers a fleet lookup gathers: enough to see every machine of a rack or
 * an office upgrading at once, few enough that asking each is quick.
 */
export const FLEET_MAX_HOLDERS = 16;
