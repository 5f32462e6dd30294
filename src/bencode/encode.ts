/**
 * The bencode encoder: canonical output (dictionary keys in byte order),
 * the exact inverse of decode.ts, so `encodeBencode(decodeBencode(x))`
 * gives back `x`.
 *
 * @module
 */

import { concatBytes } from "../util/concat_bytes.ts";

/** Bytes that are already bencoded, written as they are (a stored BEP 44 value). */
export class Bencoded {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * What can be encoded: safe integers, byte strings, text (as UTF-8),
 * lists, dictionaries (keys are byte strings as Latin-1, as the decoder
 * gives them; a key with `undefined` is left out), and pre-encoded bytes.
 */
export type Encodable =
  | number
  | string
  | Uint8Array
  | Bencoded
  | readonly Encodable[]
  | { readonly [key: string]: Encodable | undefined };

const utf8 = new TextEncoder();
const ascii = (text: string) => utf8.encode(text);

/** Encodes `value`; throws TypeError or RangeError for what bencode cannot hold. */
export function encodeBencode(value: Encodable): Uint8Array {
  const chunks: Uint8Array[] = [];
  write(value, chunks);
  return concatBytes(chunks);
}

function write(value: Encodable, out: Uint8Array[]): void {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError(`bencode integers are whole: ${value}`);
    out.push(ascii(`i${value}e`));
  } else if (typeof value === "string") {
    writeBytes(utf8.encode(value), out);
  } else if (value instanceof Uint8Array) {
    writeBytes(value, out);
  } else if (value instanceof Bencoded) {
    out.push(value.bytes);
  } else if (Array.isArray(value)) {
    out.push(ascii("l"));
    for (const item of value as readonly Encodable[]) write(item, out);
    out.push(ascii("e"));
  } else if (typeof value === "object" && value !== null) {
    out.push(ascii("d"));
    const dict = value as { readonly [key: string]: Encodable | undefined };
    // Keys are Latin-1 (one char per byte), so code-unit order is byte order.
    for (const key of Object.keys(dict).sort()) {
      const item = dict[key];
      if (item === undefined) continue;
      writeBytes(latin1Bytes(key), out);
      write(item, out);
    }
    out.push(ascii("e"));
  } else {
    throw new TypeError(`bencode cannot hold ${typeof value}`);
  }
}

function writeBytes(bytes: Uint8Array, out: Uint8Array[]): void {
  out.push(ascii(`${bytes.length}:`), bytes);
}

function latin1Bytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code > 0xff) throw new RangeError(`a dictionary key is bytes, not text: ${key}`);
    bytes[i] = code;
  }
  return bytes;
}
