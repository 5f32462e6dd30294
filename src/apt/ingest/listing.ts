/**
 * Ingest of Packages and Sources: the pool files they list, and the
 * version of the text read (for pdiffs to start from). Read by the
 * listing worker when the daemon has one (off the serving thread), else
 * here.
 *
 * @module
 */

import { transaction } from "../../db/mod.ts";
import { newHasher } from "../../hash/mod.ts";
import { decompress } from "../compression.ts";
import { archiveRootOf, compressionOf, joinArchivePath, uncompressedName } from "../index_files.ts";
import { readIndexFiles } from "../packages.ts";
import type { Ingest, IngestResult, ListingJob } from "./context.ts";
import type { IndexWrites } from "./index_writes.ts";

/** An ingest for listings of this kind. */
export function ingestListing(kind: "packages" | "sources"): Ingest {
  return (index, key, name, filePath) => {
    const job = { kind, key, name, filePath, seen: index.now() };
    return index.options.listingWorker?.read(job) ?? readListing(index, job);
  };
}

/** What reading a listing writes: entries, the listing's read time, its version. */
type ListingWrites = Pick<IndexWrites, "db" | "put" | "markListed" | "putVersion">;

/** Reads the listing `job` names into the index through `writes`, on this thread. */
export async function readListing(writes: ListingWrites, job: ListingJob): Promise<IngestResult> {
  const { kind, key, name, filePath, seen } = job;
  const root = archiveRootOf(name);
  const file = await Deno.open(filePath);
  // The uncompressed text's hash names this version, for pdiffs to start from.
  const hash = newHasher("sha256");
  let size = 0;
  const text = decompress(file.readable, compressionOf(name)).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        size += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  ).pipeThrough(new TextDecoderStream());
  // One short transaction per chunk of text: other writers get their turn, and no rows pile up.
  const entries = await readIndexFiles(text, kind, (batch) => {
    transaction(writes.db, () => {
      for (const listed of batch) {
        const key = joinArchivePath(root, listed.path);
        if (key) writes.put(key, listed, null, name, seen);
      }
    });
  });
  // Only now is this version complete: entries older than `seen` are the dropped ones.
  transaction(writes.db, () => {
    writes.markListed(name, seen);
    writes.putVersion(uncompressedName(name), { sha256: hash.hexdigest(), size, key, name }, seen);
  });
  return { kind, entries };
}
