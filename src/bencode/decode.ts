/**
 * A strict bencode decoder for bytes from outside. It accepts exactly the
 * canonical encoding, so whatever it returns re-encodes to the same bytes:
 * a string length is plain ASCII digits (no sign, no leading zero) and at
 * most the bytes left; an integer has no leading zero and no `-0`;
 * dictionary keys are strings in strictly increasing byte order (so none
 * twice); lists and dictionaries close with `e`; nothing follows the value.
 * Every item moves the position forward, nesting and integer digits are
 * capped, and the work is one pass, linear in the input. (The npm
 * `bencode` decoder took `d-3:` for a length of -3 and looped for ever.)
 *
 * Strings come back as copies (`Uint8Array`), never views of the input,
 * so what is kept of a datagram does not keep the datagram alive.
 * Dictionaries come back as objects with no prototype (a `__proto__` key
 * is just a key), keyed by their byte strings read as Latin-1: one
 * character per byte, so any key round-trips.
 *
 * @module
 */

import { MAX_DEPTH, MAX_INTEGER_DIGITS, MAX_LENGTH_DIGITS } from "./constants.ts";

/** A decoded value: integer, byte string, list or dictionary. */
export type BencodeValue = number | Uint8Array | BencodeValue[] | BencodeDict;

/** A decoded dictionary (no prototype; keys are byte strings as Latin-1). */
export interface BencodeDict {
  [key: string]: BencodeValue;
}

/** Input that is not canonical bencode; `offset` is the byte where it went wrong. */
export class BencodeError extends Error {
  override name = "BencodeError";
  constructor(readonly reason: string, readonly offset: number) {
    super(`${reason} at byte ${offset}`);
  }
}

/** How deep a decode may nest (default MAX_DEPTH), and how many items it may hold in all. */
export interface DecodeLimits {
  readonly maxDepth?: number;
  /** Values of every kind, containers included (default: no limit but the input's length). */
  readonly maxItems?: number;
}

const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const ZERO = 0x30;
const NINE = 0x39;
const E = 0x65;
const I = 0x69;
const L = 0x6c;
const D = 0x64;
/** Strings up to this long are copied and read byte by byte. */
const SHORT = 64;
/** Every empty string decoded: zero bytes cannot be written to. */
const EMPTY = new Uint8Array(0);

/** Decodes one bencoded value that must fill `bytes` exactly; throws BencodeError. */
export function decodeBencode(bytes: Uint8Array, limits: DecodeLimits = {}): BencodeValue {
  const reader = new Reader(bytes, limits.maxDepth ?? MAX_DEPTH, limits.maxItems ?? Infinity);
  const value = reader.value(0);
  if (reader.at !== bytes.length) {
    throw new BencodeError(`${bytes.length - reader.at} bytes after the value`, reader.at);
  }
  return value;
}

/** True when `value` is a decoded dictionary. */
export function isBencodeDict(value: unknown): value is BencodeDict {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Uint8Array);
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

function describe(byte: number): string {
  return byte >= 0x21 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `0x${byte.toString(16)}`;
}

/** Byte strings as Latin-1 text: one character per byte (in chunks: no giant argument lists). */
function latin1(bytes: Uint8Array): string {
  let out = "";
  if (bytes.length <= SHORT) {
    for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]);
    return out;
  }
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return out;
}

/** A copy of `length` bytes from `at`: byte by byte when short, which costs one allocation, not two. */
function copyOut(bytes: Uint8Array, at: number, length: number): Uint8Array {
  if (length === 0) return EMPTY;
  const out = new Uint8Array(length);
  if (length <= SHORT) { for (let i = 0; i < length; i++) out[i] = bytes[at + i]; }
  else out.set(bytes.subarray(at, at + length));
  return out;
}

/** -1, 0 or 1 as `a` sorts before, with or after `b`, byte by byte. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

class Reader {
  at = 0;
  #items = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
    private readonly maxItems: number,
  ) {}

  value(depth: number): BencodeValue {
    if (++this.#items > this.maxItems) {
      throw new BencodeError(`more than ${this.maxItems} items`, this.at);
    }
    const byte = this.#peek("a value");
    if (isDigit(byte)) return this.#string();
    switch (byte) {
      case I:
        return this.#integer();
      case L:
        return this.#list(depth + 1);
      case D:
        return this.#dict(depth + 1);
      case MINUS:
      case PLUS:
        throw new BencodeError("a string length with a sign", this.at);
      default:
        throw new BencodeError(`unexpected ${describe(byte)}`, this.at);
    }
  }

  #string(): Uint8Array {
    const at = this.#stringSpan();
    return copyOut(this.bytes, at, this.at - at);
  }

  /**
   * `<length>:<bytes>`: the length plain digits, no leading zero, at most
   * what is left. Moves past the string; returns where its bytes start.
   */
  #stringSpan(): number {
    const start = this.at;
    let length = 0;
    let digits = 0;
    while (this.at < this.bytes.length && isDigit(this.bytes[this.at])) {
      if (++digits > MAX_LENGTH_DIGITS) {
        throw new BencodeError("a string length of too many digits", start);
      }
      length = length * 10 + (this.bytes[this.at] - ZERO);
      this.at++;
    }
    if (digits === 0) {
      const byte = this.#peek("a string");
      throw new BencodeError(
        byte === MINUS || byte === PLUS
          ? "a string length with a sign"
          : `a string expected, got ${describe(byte)}`,
        start,
      );
    }
    if (digits > 1 && this.bytes[start] === ZERO) {
      throw new BencodeError("a string length with a leading zero", start);
    }
    if (this.#peek('a string\'s ":"') !== COLON) {
      throw new BencodeError(
        `":" expected after a string length, got ${describe(this.bytes[this.at])}`,
        this.at,
      );
    }
    this.at++;
    const left = this.bytes.length - this.at;
    if (length > left) {
      throw new BencodeError(`a string of ${length} bytes with ${left} left`, start);
    }
    const bytesAt = this.at;
    this.at += length;
    return bytesAt;
  }

  /** `i<digits>e`, an optional minus, no leading zero, no `-0`, a safe integer. */
  #integer(): number {
    const start = this.at++;
    const negative = this.#peek("an integer") === MINUS;
    if (negative) this.at++;
    const first = this.at;
    while (this.at < this.bytes.length && isDigit(this.bytes[this.at])) {
      if (this.at - first >= MAX_INTEGER_DIGITS) {
        throw new BencodeError("an integer of too many digits", start);
      }
      this.at++;
    }
    const digits = this.at - first;
    if (digits === 0) throw new BencodeError("an integer with no digits", start);
    if (this.bytes[first] === ZERO && (digits > 1 || negative)) {
      throw new BencodeError(negative ? "an integer -0" : "an integer with a leading zero", start);
    }
    if (this.#peek('an integer\'s "e"') !== E) {
      throw new BencodeError(
        `"e" expected after an integer, got ${describe(this.bytes[this.at])}`,
        this.at,
      );
    }
    this.at++;
    let value = 0;
    for (let i = first; i < first + digits; i++) value = value * 10 + (this.bytes[i] - ZERO);
    if (!Number.isSafeInteger(value)) throw new BencodeError("an integer out of range", start);
    return negative ? -value : value;
  }

  #list(depth: number): BencodeValue[] {
    this.#enter(depth);
    const list: BencodeValue[] = [];
    while (this.#peek('a list\'s "e"') !== E) list.push(this.value(depth));
    this.at++;
    return list;
  }

  #dict(depth: number): BencodeDict {
    this.#enter(depth);
    const dict: BencodeDict = Object.create(null);
    let previous: Uint8Array | undefined;
    while (this.#peek('a dictionary\'s "e"') !== E) {
      const keyAt = this.at;
      // Compared and read where it lies: a key needs no copy of its own.
      const start = this.#stringSpan();
      const key = this.bytes.subarray(start, this.at);
      if (previous) {
        const order = compareBytes(previous, key);
        if (order === 0) throw new BencodeError("a dictionary key twice", keyAt);
        if (order > 0) throw new BencodeError("dictionary keys out of order", keyAt);
      }
      previous = key;
      dict[latin1(key)] = this.value(depth);
    }
    this.at++;
    return dict;
  }

  /** Steps into a list or dictionary, `depth` deep. */
  #enter(depth: number): void {
    if (depth > this.maxDepth) {
      throw new BencodeError(`nested deeper than ${this.maxDepth}`, this.at);
    }
    this.at++;
  }

  /** The byte at the position; the input ending there is an error naming what was expected. */
  #peek(expected: string): number {
    if (this.at >= this.bytes.length) {
      throw new BencodeError(`the input ends where ${expected} was expected`, this.at);
    }
    return this.bytes[this.at];
  }
}
