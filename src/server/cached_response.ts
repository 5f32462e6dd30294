/**
 * Answering a request from a committed cache file (apt's cache hits and
 * peers asking by hash alike).
 *
 * @module
 */

import type { OpenCachedFile } from "../cache/mod.ts";
import { fileSlice, respondWithBody } from "./http_response.ts";

/**
 * Serves an opened cache file, closing it when the response does not need
 * it; `source` goes into the `x-apt-dht-source` header.
 */
export async function serveCached(
  request: Request,
  cached: OpenCachedFile,
  source: string,
): Promise<Response> {
  let handedOver = false;
  try {
    return await respondWithBody(
      request,
      {
        size: cached.size,
        lastModified: cached.lastModified ?? new Date(cached.mtime).toUTCString(),
        etag: cached.etag,
      },
      (start, end) => {
        handedOver = true;
        return fileSlice(cached.file, start, end, cached.size);
      },
      { "x-apt-dht-source": source },
    );
  } finally {
    if (!handedOver) cached.file.close();
  }
}
