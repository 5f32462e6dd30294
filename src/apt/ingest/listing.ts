/**
 * Ingest of Packages and Sources: the pool files they list, stored once
 * per content (the same bytes under another name only point that name at
 * them), and the version of the text read (for pdiffs to start from). Read
 * by the listing worker when the daemon has one (off the serving thread),
 * else here.
 *
 * @module
 */

import { transaction } from "../../db/mod.ts";
import { newHasher, sha256OfStream } from "../../hash/mod.ts";
import { decompress } from "../compression.ts";
import { archiveRootOf, compressionOf, joinArchivePath, uncompressedName } from "../index_files.ts";
import { readIndexFiles } from "../packages.ts";
import type { Ingest, IngestResult, ListingJob } from "./context.ts";
import type { IndexWrites } from "./index_writes.ts";
import type { ListingContents } from "./listing_contents.ts";

/** An ingest for listings of this kind. */
export function ingestListing(kind: "packages" | "sources"): Ingest {
  return (index, key, name, filePath) => {
    const job = { kind, key, name, filePath, seen: index.now() };
    return index.options.listingWorker?.read(job) ?? readListing(index, job);
  };
}

/** What reading a listing writes: its contents, the listing's read time and its version. */
export interface ListingStore extends Pick<IndexWrites, "db" | "markListed" | "putVersion"> {
  readonly contents: ListingContents;
}

/**
 * Reads the listing `job` names into the index through `store`, on this
 * thread: only points it at the stored content when the same bytes were
 * read before, under whatever name.
 */
export async function readListing(store: ListingStore, job: ListingJob): Promise<IngestResult> {
  const { kind, key, name, filePath, seen } = job;
  const root = archiveRootOf(name);
  const { contents, db } = store;
  const fileSha256 = (await sha256OfStream((await Deno.open(filePath)).readable)).sha256;
  const stored = contents.find(fileSha256);
  // Complete contents always have their text's hash and size (complete() writes them together).
  const reused = stored?.complete === true;
  let entries: number;
  let text: { sha256: string; size: number };
  let content: number;
  if (stored?.complete) {
    content = stored.id;
    entries = stored.entries ?? 0;
    text = { sha256: stored.textSha256!, size: stored.textSize! };
  } else {
    content = transaction(db, () => contents.begin(fileSha256));
    ({ entries, text } = await parseListing(store, job, content, root));
  }
  // Only now is this version complete: entries older than `seen` are the dropped ones.
  transaction(db, () => {
    if (!reused) contents.complete(content, text, entries);
    contents.attach(name, root, content, seen);
    store.markListed(name, seen);
    store.putVersion(uncompressedName(name), { ...text, key, name }, seen);
  });
  return { kind, entries, ...(reused ? { reused } : {}) };
}

/** Decompresses and parses the listing into `content`; its entry count and text's hash and size. */
async function parseListing(
  store: ListingStore,
  { kind, name, filePath }: ListingJob,
  content: number,
  root: string,
): Promise<{ entries: number; text: { sha256: string; size: number } }> {
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
    transaction(store.db, () => {
      for (const listed of batch) {
        const key = joinArchivePath(root, listed.path);
        if (key?.startsWith(root)) store.contents.putFile(content, key.slice(root.length), listed);
      }
    });
  });
  return { entries, text: { sha256: hash.hexdigest(), size } };
}
