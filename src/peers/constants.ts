/**
 * Tunables of the peer side: how a peer's score is made (DESIGN.md,
 * "Peers and pieces"). Each factor is in [0, 1]; the score is their product.
 *
 * @module
 */

/** Hash errors count against a peer for this long. */
export const BLAME_WINDOW_MS = 24 * 60 * 60_000;
/** Hash errors within the window that bring the errors factor to 0. */
export const BLAME_ERRORS_TO_ZERO = 3;
/** Lag to the first byte that brings the lag factor to 0. */
export const LAG_TO_ZERO_MS = 15_000;
/** Requests in flight that bring the pending factor to 0. */
export const PENDING_TO_ZERO = 10;
/** Connections idle longer than this are assumed closed. */
export const CONNECTION_IDLE_MS = 30_000;
/** The connection factor of a peer without an open connection (a new one costs a handshake). */
export const NO_CONNECTION_FACTOR = 0.9;
