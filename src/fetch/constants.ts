/**
 * Tunables of the mirror client.
 *
 * @module
 */

/** Bodies up to this long are read to their end when cancelled before their first byte. */
export const DRAIN_MAX_BYTES = 64 * 1024;

/** Idle pooled connections close after this; an address answered since needs no connect probe. */
export const POOL_IDLE_MS = 60_000;

/** How long a name DNS did not answer is left to the system before asking again. */
export const NEGATIVE_TTL_MS = 60_000;
