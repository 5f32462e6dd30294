/**
 * Bodies that are a slice of an open file. A handler returns them as
 * ordinary streams (any consumer can read them); this server recognises
 * them and sends the file in large reads instead of the stream's small
 * chunks, without a stream step per chunk: the cache hit's fast path.
 *
 * @module
 */

/** Bytes `[start, end)` of an open file; the server closes it when done. */
export interface FileSlice {
  readonly file: Deno.FsFile;
  readonly start: number;
  readonly end: number;
}

const slices = new WeakMap<ReadableStream<Uint8Array>, FileSlice>();

/**
 * Marks `stream` (which yields exactly `slice`) as sendable straight from
 * the file. The file must be positioned at `slice.start` and the stream
 * must not read ahead (`highWaterMark: 0`; a file's own `readable` does
 * not): the server reads the file from where it is, without a seek.
 */
export function markFileBody(
  stream: ReadableStream<Uint8Array>,
  slice: FileSlice,
): ReadableStream<Uint8Array> {
  slices.set(stream, slice);
  return stream;
}

/**
 * The file slice behind `stream`, taken: the caller now owns the file and
 * must close it; the stream is not to be read.
 */
export function takeFileBody(stream: ReadableStream<Uint8Array>): FileSlice | undefined {
  const slice = slices.get(stream);
  if (slice && !stream.locked) {
    slices.delete(stream);
    return slice;
  }
  return undefined;
}
