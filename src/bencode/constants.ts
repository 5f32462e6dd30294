/**
 * The limits of bencode decoding. Every byte decoded comes from outside
 * (KRPC datagrams, piece lists from peers), so each limit is what the
 * formats we read need, with room, and no more.
 *
 * @module
 */

/**
 * Lists and dictionaries nested at most this deep. KRPC needs 3 (`a` →
 * `want` → item); a BEP 44 value of at most 1000 bytes could nest up to
 * 500, which no real item does. Deeper input is refused before the
 * recursion that reads it could grow the stack.
 */
export const MAX_DEPTH = 64;

/**
 * Digits of an integer, sign excluded. 15 digits always fit a double
 * exactly; a 16th is allowed when the value stays a safe integer.
 */
export const MAX_INTEGER_DIGITS = 16;

/**
 * Digits of a string's length. Nothing we decode is over 2^32 bytes (a
 * datagram is at most 64 KiB, a piece list a few MiB), and a length is
 * also never past the bytes left.
 */
export const MAX_LENGTH_DIGITS = 10;
