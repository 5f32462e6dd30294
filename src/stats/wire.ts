/**
 * Bytes on the wire for what fetch() and the HTTP server do not count: the
 * request and status lines and the header blocks of HTTP/1.1, measured by
 * serializing them as they are sent (fetch adds `accept` and
 * `accept-language` to every request). Bodies are counted as they pass.
 *
 * @module
 */

import { reasonPhrase } from "../http1/mod.ts";

/** Headers fetch() adds to a request when the caller did not set them. */
const FETCH_DEFAULTS: readonly [string, string][] = [["accept", "*/*"], ["accept-language", "*"]];

function headerBlock(headers: Headers): number {
  let bytes = 2; // the blank line
  // forEach: Deno's Headers iterator rebuilds its sorted list on every step (as response_head.ts).
  headers.forEach((value, name) => bytes += name.length + 2 + byteLength(value) + 2);
  return bytes;
}

function byteLength(text: string): number {
  // Header values are mostly ASCII; count others as UTF-8 would send them.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return new TextEncoder().encode(text).length;
  }
  return text.length;
}

/** The request line and headers of a request fetch() sends (`target` is the URL it goes to). */
export function requestHeadBytes(method: string, target: string, headers: Headers): number {
  const url = new URL(target);
  let bytes = method.length + 1 + (url.pathname + url.search).length + " HTTP/1.1\r\n".length;
  const all = new Headers(headers);
  if (!all.has("host")) all.set("host", url.host);
  for (const [name, value] of FETCH_DEFAULTS) if (!all.has(name)) all.set(name, value);
  bytes += headerBlock(all);
  return bytes;
}

/** The request line and headers of a request a server received. */
export function receivedRequestHeadBytes(request: Request): number {
  const url = new URL(request.url);
  return request.method.length + 1 + (url.pathname + url.search).length +
    " HTTP/1.1\r\n".length + headerBlock(request.headers);
}

/**
 * The status line and headers the HTTP server sends for `response`, whose body
 * has `bodyBytes`: it adds `date`, and `content-length` when the body's
 * length is known but not declared.
 */
export function sentResponseHeadBytes(response: Response, bodyBytes: number): number {
  const added: [string, string][] = [["date", "Sat, 01 Jan 2000 00:00:00 GMT"]];
  if (response.body && !response.headers.has("transfer-encoding")) {
    added.push(["content-length", String(bodyBytes)]);
  }
  return responseHeadBytes(
    response.status,
    reasonPhrase(response.status, response.statusText),
    response.headers,
    added,
  );
}

/** The status line and headers of a response (received by fetch, or sent by the HTTP server). */
export function responseHeadBytes(
  status: number,
  statusText: string,
  headers: Headers,
  /** Headers the server adds itself when sending (ours adds `date`). */
  added: readonly [string, string][] = [],
): number {
  let bytes = `HTTP/1.1 ${status} ${statusText}\r\n`.length + headerBlock(headers);
  for (const [name, value] of added) {
    if (!headers.has(name)) bytes += name.length + value.length + 4;
  }
  return bytes;
}
