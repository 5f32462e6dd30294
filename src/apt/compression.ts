/**
 * Stream decompression of index files: gzip with the built-in
 * DecompressionStream, xz with `xz-decompress` (WebAssembly), bzip2 with
 * `unbzip2-stream`. Everything stays a stream; nothing is read whole.
 *
 * @module
 */

import xz from "xz-decompress";
import unbzip2 from "unbzip2-stream";
import { Buffer } from "node:buffer";
import type { Compression } from "./index_files.ts";

/** Corrupt or truncated compressed data. */
export class DecompressionError extends Error {
  override name = "DecompressionError";
}

/** Wraps `stream` in the decompressor for `compression`. */
export function decompress(
  stream: ReadableStream<Uint8Array>,
  compression: Compression,
): ReadableStream<Uint8Array> {
  switch (compression) {
    case "none":
      return stream;
    case "gz":
      return stream.pipeThrough(
        new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
      );
    case "xz":
      return new xz.XzReadableStream(stream) as ReadableStream<Uint8Array>;
    case "bz2":
      return stream.pipeThrough(bunzip2Stream());
  }
}

/** Adapts the (old-style, synchronous) unbzip2 through-stream to a web TransformStream. */
function bunzip2Stream(): TransformStream<Uint8Array, Uint8Array> {
  const inner = unbzip2();
  let controller!: TransformStreamDefaultController<Uint8Array>;
  let failure: Error | undefined;
  inner.on("data", (data: Uint8Array) => controller.enqueue(new Uint8Array(data)));
  inner.on("error", (error: Error) => failure = error);
  const guarded = (action: () => void) => {
    try {
      action();
    } catch (error) {
      failure ??= error as Error;
    }
    if (failure) throw new DecompressionError(`bzip2: ${failure.message}`);
  };
  return new TransformStream({
    start(c) {
      controller = c;
    },
    transform(chunk) {
      guarded(() => inner.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    },
    flush() {
      guarded(() => inner.end());
    },
  });
}
