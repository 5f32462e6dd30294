/**
 * Tunables of what a daemon keeps to itself.
 *
 * @module
 */

/** Judged again this long after an index was read: apt reads several in a row. */
export const REFRESH_DEBOUNCE_MS = 1_000;

/** A vulnerability list at a URL is fetched again this often (the tracker changes daily). */
export const LIST_URL_INTERVAL_MS = 6 * 3600_000;

/** A vulnerability list in a file is read again this often when its mtime changed. */
export const LIST_FILE_INTERVAL_MS = 10 * 60_000;

/** After a failed read, tried again this soon. */
export const LIST_RETRY_MS = 15 * 60_000;

/** How long fetching the list from a URL may take (it is tens of megabytes). */
export const LIST_FETCH_TIMEOUT_MS = 5 * 60_000;
