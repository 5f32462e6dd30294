/**
 * Stream decompression of index files: gzip with the built-in
 * DecompressionStream; xz with the system's `xz` in a process of its own
 * (xz-utils is required on Debian: about twice as fast as WebAssembly, and
 * off the thread that serves apt), else `xz-decompress` (WebAssembly);
 * bzip2 with `unbzip2-stream`. Everything stays a stream; nothing is read
 * whole.
 *
 * @module
 */

import xz from "xz-decompress";
import unbzip2 from "unbzip2-stream";
import { Buffer } from "node:buffer";
import type { Compression } from "./index_files.ts";

/** xz-utils' xz, where Debian installs it. */
const SYSTEM_XZ = "/usr/bin/xz";

/** Corrupt or truncated compressed data. */
export class DecompressionError extends Error {
  override name = "DecompressionError";
}

/** How to decompress: `native: false` keeps to the in-process decoders (tests, benchmarks). */
export interface DecompressOptions {
  readonly native?: boolean;
}

/** Wraps `stream` in the decompressor for `compression`. */
export function decompress(
  stream: ReadableStream<Uint8Array>,
  compression: Compression,
  options: DecompressOptions = {},
): ReadableStream<Uint8Array> {
  switch (compression) {
    case "none":
      return stream;
    case "gz":
      return stream.pipeThrough(
        new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
      );
    case "xz":
      return (options.native === false ? undefined : nativeXz(stream)) ??
        new xz.XzReadableStream(stream) as ReadableStream<Uint8Array>;
    case "bz2":
      return stream.pipeThrough(bunzip2Stream());
  }
}

/**
 * `xz -dc` as a stream, or undefined when it cannot be run (not installed,
 * or not allowed: the daemon may run `xz` and nothing else).
 */
function nativeXz(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> | undefined {
  let child: Deno.ChildProcess;
  try {
    // By its path: the daemon may run this one program, and needs no PATH to find it.
    child = new Deno.Command(SYSTEM_XZ, {
      args: ["--decompress", "--stdout", "--quiet"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch {
    return undefined;
  }
  const fed = stream.pipeTo(child.stdin).then(() => undefined, (error: Error) => error);
  const stderr = new Response(child.stderr).text().catch(() => "");
  const reader = child.stdout.getReader();
  const stop = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) return controller.enqueue(value);
      const [status, message] = await Promise.all([child.status, stderr]);
      // xz's own verdict first: a corrupt input ends it early, and the feed then fails with EPIPE.
      if (!status.success) {
        return controller.error(new DecompressionError(`xz: ${message.trim() || status.code}`));
      }
      const feedError = await fed;
      if (feedError) return controller.error(feedError);
      controller.close();
    },
    async cancel(reason) {
      stop();
      await reader.cancel(reason).catch(() => {});
      await child.status;
    },
  }, { highWaterMark: 0 });
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
