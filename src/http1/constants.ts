/**
 * The HTTP/1.1 server's bounds, each with why its value.
 *
 * @module
 */

/**
 * The longest request head (request line and headers). apt's heads are a
 * few hundred bytes; nginx allows 1 KiB plus 4 × 8 KiB for long ones.
 */
export const MAX_HEAD_BYTES = 32 * 1024;

/** Header lines in one request head; apt sends about ten. */
export const MAX_HEADER_LINES = 100;

/**
 * A connection's read buffer to begin with: apt's heads are a few hundred
 * bytes, and thousands of idle connections must not cost 16 KiB each. It
 * doubles for a longer head, up to MAX_HEAD_BYTES.
 */
export const READ_BUFFER_BYTES = 2 * 1024;

/**
 * What one write of a cached file hands the kernel: big enough that a
 * 9.4 MB file goes out in a few dozen writes, small enough that a few
 * hundred parallel hits stay within the memory target.
 */
export const FILE_CHUNK_BYTES = 256 * 1024;

/** A file body and its head up to this size go out in one write from one buffer. */
export const SMALL_FILE_BYTES = 128 * 1024;

/** The smallest file buffer: a small package or index with its head. */
export const SMALLEST_FILE_BUFFER = 16 * 1024;

/** File buffers kept for reuse between responses, in all sizes together. */
export const SPARE_FILE_BUFFER_BYTES = 8 * 1024 * 1024;

/** The longest the timeout sweep sleeps: each timeout is met to within this, or a quarter of it. */
export const SWEEP_MAX_MS = 1_000;

/**
 * Pipelined requests of one connection handled at once (their responses
 * still go out in order): apt sends up to 10 before it reads an answer,
 * and each may wait on peers or the mirror; one after the other, those
 * waits added up.
 */
export const PIPELINE_AHEAD = 10;

/**
 * Bytes a tunnel reads at once, each way: a download through a tunnel
 * moves tens of MB; 64 KiB reads carry it at about the speed of the
 * connection itself, and 256 tunnels hold 32 MiB at most.
 */
export const TUNNEL_BUFFER_BYTES = 64 * 1024;
