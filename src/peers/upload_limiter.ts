/**
 * The upload limit: all bodies sent to peers together go out at no more
 * than a set number of bytes per second. Each chunk is given the next free
 * slot of the shared schedule, so many uploads share the rate fairly by
 * chunk.
 *
 * @module
 */

/** Paces uploads to a rate shared by all of them. */
export class UploadLimiter {
  #free = 0; // when (performance.now() ms) the schedule is next free

  constructor(readonly bytesPerSecond: number, private readonly now = () => performance.now()) {}

  /** Resolves when `bytes` more may be sent. */
  async take(bytes: number): Promise<void> {
    const now = this.now();
    const start = Math.max(now, this.#free);
    this.#free = start + (bytes * 1000) / this.bytesPerSecond;
    if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
  }

  /** The same stream, paced. */
  throttle(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        // Big chunks are cut so no single one hogs the schedule for long.
        for (let i = 0; i < value.byteLength; i += 16 * 1024) {
          const part = value.subarray(i, i + 16 * 1024);
          await this.take(part.byteLength);
          controller.enqueue(part);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
  }
}
