/**
 * Decoding a request head from the wire: the request line, the header
 * fields and what they say about the connection (keep-alive, a body). Pure
 * and strict, in one pass over bytes that came from anyone: a malformed
 * head is an error with the status to answer, never an exception.
 *
 * @module
 */

import { MAX_HEAD_BYTES, MAX_HEADER_LINES } from "./constants.ts";

/** A request head that decoded. */
export interface RequestHead {
  readonly method: string;
  /** As sent: origin-form (`/path`), absolute-form, authority-form (CONNECT) or `*`. */
  readonly target: string;
  readonly version: "HTTP/1.0" | "HTTP/1.1";
  /** Field names in lower case, in the order sent; values without surrounding spaces. */
  readonly fields: readonly (readonly [string, string])[];
  /** The Host field, when there was exactly one. */
  readonly host?: string;
  /** Whether the connection may carry another request after this one. */
  readonly keepAlive: boolean;
  /** Declares a body (Content-Length above zero, or Transfer-Encoding). */
  readonly hasBody: boolean;
}

/** Why a head was refused, with the status to answer before closing. */
export interface HeadError {
  readonly status: 400 | 431 | 505;
  readonly reason: string;
}

/**
 * Where the head that starts at `from` ends (the index just past its blank
 * line) within `buffer[from, to)`, or -1 while it is incomplete. Scans from
 * `scanned` on, so a head that arrives a byte at a time is not read again
 * from its start each time.
 */
export function headEnd(buffer: Uint8Array, from: number, to: number, scanned = from): number {
  for (let i = Math.max(from + 3, scanned); i < to; i++) {
    if (
      buffer[i] === 0x0a && buffer[i - 1] === 0x0d && buffer[i - 2] === 0x0a &&
      buffer[i - 3] === 0x0d
    ) return i + 1;
  }
  return -1;
}

/** How many bytes of empty lines (CRLF) precede a request line at `from`; RFC 9112 §2.2 ignores them. */
export function leadingBlankLines(buffer: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i + 1 < to && buffer[i] === 0x0d && buffer[i + 1] === 0x0a) i += 2;
  return i - from;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request-target: visible ASCII only. */
const TARGET = /^[\x21-\x7e]+$/;
/** A field value: visible characters, spaces and tabs, no controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Decodes the head in `bytes` (ending in its blank line, at most MAX_HEAD_BYTES). */
export function parseRequestHead(bytes: Uint8Array): RequestHead | HeadError {
  if (bytes.length > MAX_HEAD_BYTES) return bad(431, "request head too large");
  // latin1 maps each byte to one character, so lengths and positions stay byte counts.
  const lines = latin1(bytes).split("\r\n");
  lines.length -= 2; // the blank line and what follows it
  if (lines.length - 1 > MAX_HEADER_LINES) return bad(431, "too many header fields");
  const requestLine = lines[0].split(" ");
  if (requestLine.length !== 3) return bad(400, "malformed request line");
  const [method, target, version] = requestLine;
  if (!TOKEN.test(method)) return bad(400, "malformed method");
  if (!TARGET.test(target)) return bad(400, "malformed request target");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    return /^HTTP\/\d\.\d$/.test(version)
      ? bad(505, "only HTTP/1.0 and HTTP/1.1 are served")
      : bad(400, "malformed HTTP version");
  }
  const fields: [string, string][] = [];
  let host: string | undefined;
  let hosts = 0;
  let connection = "";
  let contentLength: string | undefined;
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    // No colon, a space before it (RFC 9112 §5.1), or obs-fold (a line that starts with space).
    if (colon <= 0) return bad(400, "malformed header field");
    const name = line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) return bad(400, "malformed header field name");
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) return bad(400, "malformed header field value");
    switch (name) {
      case "host":
        hosts++;
        host = value;
        break;
      case "connection":
        connection += "," + value.toLowerCase();
        break;
      case "content-length":
        if (!/^\d{1,15}$/.test(value) || (contentLength !== undefined && contentLength !== value)) {
          return bad(400, "malformed Content-Length");
        }
        contentLength = value;
        break;
      case "transfer-encoding":
        chunked = true;
        break;
    }
    fields.push([name, value]);
  }
  if (hosts > 1) return bad(400, "more than one Host field");
  if (chunked && contentLength !== undefined) {
    return bad(400, "both Content-Length and Transfer-Encoding"); // a smuggling attempt
  }
  const tokens = connection.split(",").map((token) => token.trim());
  const keepAlive = version === "HTTP/1.1"
    ? !tokens.includes("close")
    : tokens.includes("keep-alive");
  return {
    method,
    target,
    version,
    fields,
    host: hosts === 1 ? host : undefined,
    keepAlive,
    hasBody: chunked || Number(contentLength ?? 0) > 0,
  };
}

/** Whether `result` is an error. */
export function isHeadError<T extends object = RequestHead>(
  result: T | HeadError,
): result is HeadError {
  return "status" in result;
}

function bad(status: HeadError["status"], reason: string): HeadError {
  return { status, reason };
}

/** Native decoding; it maps 0x80–0x9f beyond latin1, and then the exact loop runs instead. */
const windows1252 = new TextDecoder("windows-1252");

function latin1(bytes: Uint8Array): string {
  const fast = windows1252.decode(bytes);
  if (!/[\u0100-\uffff]/.test(fast)) return fast;
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}
