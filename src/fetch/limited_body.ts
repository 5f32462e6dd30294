/**
 * Reading a body whose length is known in advance: the bytes past what
 * was expected are never buffered, the transfer stops at the first one.
 *
 * @module
 */

import { UpstreamError } from "./errors.ts";
import { concatBytes } from "../util/concat_bytes.ts";

/**
 * The whole of `body`, at most `max` bytes; one byte more stops the
 * transfer and throws a "mismatch" {@link UpstreamError} for `url`.
 */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  url: string,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        reader.cancel().catch(() => {});
        throw new UpstreamError(url, "mismatch", `body longer than the ${max} bytes expected`);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return concatBytes(chunks);
}
