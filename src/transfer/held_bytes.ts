/**
 * A download's bytes held in memory, for when the disk is full: apt still
 * gets the file (it is streamed from here), it is just not cached.
 *
 * @module
 */

/** Bytes in arrival order, readable at any offset. */
export class HeldBytes {
  readonly #chunks: Uint8Array[] = [];
  /** Offset of each chunk's first byte. */
  readonly #starts: number[] = [];
  size = 0;

  append(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#starts.push(this.size);
    this.#chunks.push(chunk);
    this.size += chunk.byteLength;
  }

  /** Up to `max` bytes from `offset` (fewer at a chunk's end; empty past the end). */
  read(offset: number, max: number): Uint8Array {
    if (offset >= this.size || max <= 0) return new Uint8Array(0);
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) { // the last chunk starting at or before offset
      const mid = (low + high + 1) >> 1;
      if (this.#starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    const chunk = this.#chunks[low];
    const from = offset - this.#starts[low];
    return chunk.subarray(from, Math.min(chunk.byteLength, from + max));
  }
}

/** Whether a write failed because the file system is full (ENOSPC) or over quota (EDQUOT). */
export function isDiskFull(error: unknown): boolean {
  const text = `${(error as { code?: string })?.code ?? ""} ${(error as Error)?.message ?? ""}`;
  return /ENOSPC|EDQUOT|No space left on device|Disk quota exceeded|os error (28|122)\b/.test(text);
}
