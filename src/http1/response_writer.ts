/**
 * Sending a response: its head, then its body as its framing says: a file
 * slice in large reads from the file, a stream chunk by chunk. The head
 * goes out in the same write as the body's first bytes (one segment for a
 * small file). A body that breaks off, or that is longer or shorter than
 * it declared, ends the connection: the client must not take what it got
 * for the whole.
 *
 * @module
 */

import { concatBytes } from "../util/concat_bytes.ts";
import {
  FILE_CHUNK_BYTES,
  SMALL_FILE_BYTES,
  SMALLEST_FILE_BUFFER,
  SPARE_FILE_BUFFER_BYTES,
} from "./constants.ts";
import { type FileSlice, takeFileBody } from "./file_body.ts";
import { type Framing, framingOf, responseHead } from "./response_head.ts";

/** Where the bytes go: writes all of them, or rejects (the connection is lost). */
export interface Sink {
  write(bytes: Uint8Array): Promise<void>;
}

/** Thrown when a body does not match its declared length; the connection closes. */
export class BodyLengthError extends Error {}

/**
 * Buffers for file bodies, reused between responses: a small file (apt's
 * indexes, most packages) goes out whole from the smallest power-of-two
 * size from 16 KiB that holds it with its head, a large file in
 * FILE_CHUNK_BYTES steps. A new buffer is zeroed memory: allocating one per
 * hit was a tenth of a small hit's cost. Sized to the file, 200 parallel
 * hits on a 53 KB package hold 13 MB, not 26.
 */
const pools = new Map<number, Uint8Array[]>();
for (let size = SMALLEST_FILE_BUFFER; size <= SMALL_FILE_BYTES; size *= 2) pools.set(size, []);
pools.set(FILE_CHUNK_BYTES, []);
let spareBytes = 0;
const takeBuffer = (need: number) => {
  let size = need <= SMALL_FILE_BYTES ? SMALLEST_FILE_BUFFER : FILE_CHUNK_BYTES;
  while (size < need && size < SMALL_FILE_BYTES) size *= 2;
  const spare = pools.get(size)!.pop();
  if (!spare) return new Uint8Array(size);
  spareBytes -= size;
  return spare;
};
const giveBuffer = (buffer: Uint8Array) => {
  if (spareBytes + buffer.length > SPARE_FILE_BUFFER_BYTES) return;
  pools.get(buffer.length)!.push(buffer);
  spareBytes += buffer.length;
};

/**
 * Sends `response` for a request of `version` (`head`: a HEAD request);
 * whether the connection can carry the next request.
 */
export async function sendResponse(
  sink: Sink,
  response: Response,
  version: "HTTP/1.0" | "HTTP/1.1",
  head: boolean,
  keepAlive: boolean,
): Promise<boolean> {
  let framing = framingOf(response, version, head);
  const body = response.body;
  if (framing.kind === "none" || !body) {
    if (body) discard(body);
    await sink.write(responseHead(response, version, framing, keepAlive));
    return keepAlive;
  }
  const slice = takeFileBody(body);
  if (slice && framing.kind === "length" && framing.length === slice.end - slice.start) {
    await sendFile(sink, responseHead(response, version, framing, keepAlive), slice);
    return keepAlive;
  }
  if (slice) slice.file.close(); // a length that does not match: read it as a stream
  const chunks = new BodyChunks(body.getReader());
  try {
    // A body of unknown length that is all at hand (a page, a short text) gets its length declared.
    if (framing.kind !== "length" && await chunks.readAhead(COALESCE_BYTES)) {
      framing = { kind: "length", length: chunks.aheadBytes };
    }
    if (framing.kind === "until-close") keepAlive = false;
    const headBytes = responseHead(response, version, framing, keepAlive);
    await sendStream(sink, headBytes, chunks, framing);
    return keepAlive;
  } catch (error) {
    chunks.cancel(error);
    throw error;
  }
}

/** A body that is not sent (HEAD, 304): released without reading. */
function discard(body: ReadableStream<Uint8Array>): void {
  const slice = takeFileBody(body);
  if (slice) slice.file.close();
  else body.cancel().catch(() => {});
}

async function sendFile(sink: Sink, headBytes: Uint8Array, slice: FileSlice): Promise<void> {
  let remaining = slice.end - slice.start;
  const small = headBytes.length + remaining <= SMALL_FILE_BYTES;
  const buffer = takeBuffer(headBytes.length + remaining);
  const { file } = slice; // positioned at the slice's start (markFileBody's promise)
  try {
    let filled = 0;
    if (headBytes.length < buffer.length / 2) {
      buffer.set(headBytes); // head and the first bytes in one write
      filled = headBytes.length;
    } else {
      await sink.write(headBytes);
    }
    while (remaining > 0 || filled > 0) {
      while (remaining > 0 && filled < buffer.length) {
        const into = buffer.subarray(filled, filled + Math.min(remaining, buffer.length - filled));
        // A small file read at once from the page cache takes microseconds; an async read's
        // dispatch to the thread pool costs more than that. Large files stay async.
        const n = small ? file.readSync(into) : await file.read(into);
        if (n === null) throw new BodyLengthError("the cached file ended early");
        filled += n;
        remaining -= n;
      }
      await sink.write(buffer.subarray(0, filled));
      filled = 0;
    }
  } finally {
    file.close();
    giveBuffer(buffer);
  }
}

const CRLF = new Uint8Array([0x0d, 0x0a]);
const LAST_CHUNK = new TextEncoder().encode("0\r\n\r\n");
const encoder = new TextEncoder();
/** A first chunk up to this size goes out in one write with the head. */
const COALESCE_BYTES = 64 * 1024;

/** A body's chunks, some of them possibly read ahead. */
class BodyChunks {
  readonly #ahead: Uint8Array[] = [];
  aheadBytes = 0;
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  #ended = false;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Reads what is at hand, up to `limit` bytes; whether that was the whole body. */
  async readAhead(limit: number): Promise<boolean> {
    while (this.aheadBytes <= limit) {
      const next = this.reader.read();
      if (!await settlesAtOnce(next)) {
        this.#pending = next;
        return false;
      }
      const { done, value } = await next;
      if (done) return this.#ended = true;
      this.#ahead.push(value);
      this.aheadBytes += value.byteLength;
    }
    return false;
  }

  /** The next chunk, or undefined at the end. */
  async next(): Promise<Uint8Array | undefined> {
    const ahead = this.#ahead.shift();
    if (ahead) return ahead;
    if (this.#ended) return undefined;
    const next = this.#pending ?? this.reader.read();
    this.#pending = undefined;
    const { done, value } = await next;
    return done ? undefined : value;
  }

  /** Whether the next chunk is at hand now. */
  atHand(): Promise<boolean> {
    if (this.#ahead.length > 0 || this.#ended) return Promise.resolve(true);
    this.#pending ??= this.reader.read();
    return settlesAtOnce(this.#pending);
  }

  cancel(reason: unknown): void {
    this.reader.cancel(reason).catch(() => {});
  }
}

async function sendStream(
  sink: Sink,
  headBytes: Uint8Array,
  chunks: BodyChunks,
  framing: Framing,
): Promise<void> {
  let pendingHead: Uint8Array | undefined = headBytes;
  let sent = 0;
  const limit = framing.kind === "length" ? framing.length : Infinity;
  const write = async (bytes: Uint8Array) => {
    if (pendingHead) {
      // One segment for a small body; a large first chunk is not copied for the head's sake.
      if (bytes.byteLength <= COALESCE_BYTES) bytes = concatBytes([pendingHead, bytes]);
      else await sink.write(pendingHead);
      pendingHead = undefined;
    }
    await sink.write(bytes);
  };
  while (true) {
    if (pendingHead && !await chunks.atHand()) {
      // The body is still coming (a download): the head goes out now, as Deno.serve sends it.
      await sink.write(pendingHead);
      pendingHead = undefined;
    }
    let value: Uint8Array | undefined;
    try {
      value = await chunks.next();
    } catch (error) {
      // A body that fails before its first byte still gets its head out, as Deno.serve sends
      // it: the client then sees the response cut short, not a connection closed unanswered.
      if (pendingHead) await sink.write(pendingHead).catch(() => {});
      throw error;
    }
    if (!value) break;
    if (value.byteLength === 0) continue;
    if (sent + value.byteLength > limit) {
      throw new BodyLengthError("the body is longer than its declared length");
    }
    sent += value.byteLength;
    if (framing.kind === "chunked") {
      await write(
        concatBytes([encoder.encode(value.byteLength.toString(16) + "\r\n"), value, CRLF]),
      );
    } else {
      await write(value);
    }
  }
  if (sent < limit && limit !== Infinity) {
    throw new BodyLengthError("the body is shorter than its declared length");
  }
  if (framing.kind === "chunked") await write(LAST_CHUNK);
  else if (pendingHead) await write(new Uint8Array(0));
}

/** Whether `promise` settles before the next task (the body's first bytes are at hand). */
function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 0);
    promise.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}
