/**
 * Ingest of Packages and Sources: the pool files they list, and the
 * version of the text read (for pdiffs to start from).
 *
 * @module
 */

import { transaction } from "../../db/mod.ts";
import { newHasher } from "../../hash/mod.ts";
import { decompress } from "../compression.ts";
import { archiveRootOf, compressionOf, joinArchivePath, uncompressedName } from "../index_files.ts";
import { readIndexFiles } from "../packages.ts";
import type { Ingest, IngestContext, IngestResult } from "./context.ts";

/** An ingest for listings of this kind. */
export function ingestListing(kind: "packages" | "sources"): Ingest {
  return (index, key, name, filePath) => ingest(index, key, name, filePath, kind);
}

async function ingest(
  index: IngestContext,
  key: string,
  name: string,
  filePath: string,
  kind: "packages" | "sources",
): Promise<IngestResult> {
  const root = archiveRootOf(name);
  const seen = index.now();
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
    transaction(index.db, () => {
      for (const listed of batch) {
        const key = joinArchivePath(root, listed.path);
        if (key) index.put(key, listed, null, name, seen);
      }
    });
  });
  // Only now is this version complete: entries older than `seen` are the dropped ones.
  transaction(index.db, () => {
    index.markListed(name, seen);
    index.putVersion(uncompressedName(name), { sha256: hash.hexdigest(), size, key, name }, seen);
  });
  return { kind, entries };
}
