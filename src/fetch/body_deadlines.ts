/**
 * Deadlines on a response body: no byte for too long (the idle timeout),
 * and, where another source can take over, bytes coming slower than a
 * floor. A peer sending one correct byte every second is never idle, yet
 * it would keep apt waiting for ever; the floor makes it a failed source.
 *
 * @module
 */

import { UpstreamError } from "./errors.ts";

/** The slowest a body may come: `bytesPerSecond` on average, counted from its start, after `graceMs`. */
export interface MinimumRate {
  readonly bytesPerSecond: number;
  readonly graceMs: number;
}

/** What {@link withBodyDeadlines} watches and whom it tells. */
export interface BodyDeadlines {
  /** No chunk for this long ends the body. */
  readonly idleMs: number;
  readonly minRate?: MinimumRate;
  /** Named in the errors. */
  readonly url: string;
  /** Called when a deadline ends the body (stops the transfer, frees the connection). */
  readonly cancel: () => void;
  /** Ends the body at once when it aborts (fetch does not always interrupt a waiting read). */
  readonly signal?: AbortSignal;
  /** Called once the body has ended, however it ended. */
  readonly onEnd?: () => void;
  /** Told of each chunk's size as it arrives. */
  readonly onBytes?: (bytes: number) => void;
  /** Told why the body failed (a deadline, the connection cut), not when the reader cancelled it. */
  readonly onFailed?: (error: UpstreamError) => void;
}

/**
 * Passes chunks through, erroring the stream with an {@link UpstreamError}
 * ("timeout") when a deadline passes, or ("cancelled") when the signal aborts.
 */
export function withBodyDeadlines(
  body: ReadableStream<Uint8Array>,
  options: BodyDeadlines,
): ReadableStream<Uint8Array> {
  const { idleMs, minRate, url, cancel, signal } = options;
  const reader = body.getReader();
  const started = performance.now();
  let received = 0;
  /** When the average rate would fall under the floor if nothing more came. */
  const slowAt = () =>
    minRate
      ? started + Math.max(minRate.graceMs, (received / minRate.bytesPerSecond) * 1000)
      : Infinity;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const deadline = new Promise<never>((_, reject) => {
        const now = performance.now();
        const slowInMs = slowAt() - now;
        const slow = slowInMs < idleMs;
        timer = setTimeout(
          () =>
            reject(
              new UpstreamError(
                url,
                "timeout",
                slow
                  ? `slower than ${minRate!.bytesPerSecond} bytes/s (${received} bytes in ${
                    Math.round(performance.now() - started)
                  } ms)`
                  : `no data for ${idleMs} ms`,
              ),
            ),
          Math.max(0, Math.min(idleMs, slowInMs)),
        );
        onAbort = () => reject(new UpstreamError(url, "cancelled", "transfer aborted"));
        if (signal?.aborted) onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      try {
        const { done, value } = await Promise.race([reader.read(), deadline]);
        if (done) {
          options.onEnd?.();
          controller.close();
        } else {
          received += value.byteLength;
          options.onBytes?.(value.byteLength);
          controller.enqueue(value);
        }
      } catch (error) {
        cancel();
        reader.cancel().catch(() => {});
        const failure = error instanceof UpstreamError
          ? error
          : new UpstreamError(url, "interrupted", (error as Error).message);
        if (failure.failure !== "cancelled") options.onFailed?.(failure);
        controller.error(failure);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort!);
      }
    },
    cancel(reason) {
      cancel();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
