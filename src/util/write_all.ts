/**
 * Writes a whole buffer to a file: `write` may take fewer bytes than given.
 *
 * @module
 */

/** Writes all of `chunk` to `file`. */
export async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) done += await file.write(chunk.subarray(done));
}
