/**
 * Answering a GET or HEAD for a file-like body: conditional requests
 * (`If-None-Match`, `If-Modified-Since`), single byte ranges with
 * `If-Range`, 206/416, and HEAD without a body. The body comes from a
 * callback, so the same code serves cached files and downloads in progress.
 *
 * @module
 */

import { markFileBody } from "../http1/mod.ts";
import { READ_CHUNK } from "../transfer/mod.ts";

/** What is known about the representation being served. */
export interface Representation {
  /** Total size, when known (a download without Content-Length may not know it). */
  readonly size?: number;
  /** An HTTP date. */
  readonly lastModified?: string;
  readonly etag?: string;
}

/** Opens bytes `[start, end)` of the body. */
export type BodyOpener = (
  start: number,
  end: number,
) => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;

/** A parsed single range, end exclusive. */
export type ByteRange = { readonly start: number; readonly end: number };

/**
 * Parses a `Range` header against `size`: a range, "unsatisfiable", or
 * undefined when the header is absent, malformed or asks for several ranges
 * (then the whole file is sent, as RFC 9110 allows).
 */
export function parseRange(
  header: string | null,
  size: number,
): ByteRange | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") { // suffix: the last N bytes
    const length = Number(match[2]);
    if (length === 0) return "unsatisfiable";
    // An empty file is shorter than any suffix: the whole (empty) file, as a 200.
    if (size === 0) return undefined;
    return { start: Math.max(0, size - length), end: size };
  }
  const start = Number(match[1]);
  const last = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== "" && Number(match[2]) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: last + 1 };
}

function notModified(request: Request, rep: Representation): boolean {
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (!rep.etag) return false;
    const strip = (tag: string) => tag.trim().replace(/^W\//, "");
    return ifNoneMatch.trim() === "*" ||
      ifNoneMatch.split(",").some((tag) => strip(tag) === strip(rep.etag!));
  }
  const since = Date.parse(request.headers.get("if-modified-since") ?? "");
  const modified = Date.parse(rep.lastModified ?? "");
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

function ifRangeAllows(request: Request, rep: Representation): boolean {
  const ifRange = request.headers.get("if-range");
  if (ifRange === null) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith("W/")) {
    return !!rep.etag && !ifRange.startsWith("W/") && ifRange === rep.etag; // strong comparison only
  }
  return !!rep.lastModified && Date.parse(ifRange) === Date.parse(rep.lastModified);
}

/** Builds the response to a GET/HEAD for `rep`, opening the body only when it is sent. */
export async function respondWithBody(
  request: Request,
  rep: Representation,
  open: BodyOpener,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<Response> {
  // A record: Deno's Response copies a Headers object or a list of pairs through iterators,
  // at 2.5 times the allocation (a cache hit's largest single cost).
  const headers: Record<string, string> = { ...extraHeaders };
  headers["content-type"] = "application/octet-stream";
  if (rep.lastModified) headers["last-modified"] = rep.lastModified;
  if (rep.etag) headers.etag = rep.etag;
  if (rep.size !== undefined) headers["accept-ranges"] = "bytes";

  if (notModified(request, rep)) return new Response(null, { status: 304, headers });

  const head = request.method === "HEAD";
  let status = 200;
  let start = 0;
  let end = rep.size ?? Infinity;
  if (rep.size !== undefined && ifRangeAllows(request, rep)) {
    const range = parseRange(request.headers.get("range"), rep.size);
    if (range === "unsatisfiable") {
      headers["content-range"] = `bytes */${rep.size}`;
      return new Response(null, { status: 416, headers });
    }
    if (range) {
      status = 206;
      ({ start, end } = range);
      headers["content-range"] = `bytes ${start}-${end - 1}/${rep.size}`;
    }
  }
  if (Number.isFinite(end)) headers["content-length"] = String(end - start);
  if (head) return new Response(null, { status, headers });
  return new Response(await open(start, end), { status, headers });
}

/**
 * Streams `[start, end)` of a freshly opened file (at its first byte) of
 * `size` bytes, closing it when done or cancelled; marked as a file body,
 * which the HTTP server sends straight from the file.
 */
export async function fileSlice(
  file: Deno.FsFile,
  start: number,
  end: number,
  size: number,
): Promise<ReadableStream<Uint8Array>> {
  end = Math.min(end, size);
  // Marked, the HTTP server sends the file in large reads; any other reader reads the stream.
  // Not the file's own `readable` for a whole file: a byte stream costs a cache hit more to build.
  if (start > 0) await file.seek(start, Deno.SeekMode.Start);
  let remaining = end - start;
  return markFileBody(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (remaining <= 0) {
          file.close();
          return controller.close();
        }
        const buffer = new Uint8Array(Math.min(remaining, READ_CHUNK));
        const n = await file.read(buffer);
        if (n === null) {
          file.close();
          return controller.error(new Error("file ended early"));
        }
        remaining -= n;
        controller.enqueue(buffer.subarray(0, n));
      },
      cancel() {
        file.close();
      },
    }, { highWaterMark: 0 }), // nothing read ahead: the HTTP server may read the file itself
    { file, start, end },
  );
}

/** A short plain-text response (errors, refusals). */
export function textResponse(status: number, text: string): Response {
  if (status === 304) return new Response(null, { status });
  // With its length declared, not chunked: simpler for clients, and counted exactly.
  const body = new TextEncoder().encode(text + "\n");
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(body.length),
    },
  });
}
