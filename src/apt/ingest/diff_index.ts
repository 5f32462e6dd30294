/**
 * Ingest of a pdiff Index (`…/Packages.diff/Index`): its patches get
 * tracked hashes (so they can come from peers), then the listing it belongs
 * to is brought up to date.
 *
 * @module
 */

import { transaction } from "../../db/mod.ts";
import { parseDiffIndex } from "../pdiff/mod.ts";
import type { IngestContext, IngestResult } from "./context.ts";

/** Records the patches a diff Index names and asks for its listing to be followed. */
export async function ingestDiffIndex(
  index: IngestContext,
  _key: string,
  name: string,
  filePath: string,
): Promise<IngestResult> {
  const diff = parseDiffIndex(await Deno.readTextFile(filePath));
  const dir = name.slice(0, name.lastIndexOf("/"));
  const listing = dir.replace(/\.diff$/, "");
  const seen = index.now();
  index.markListed(name, seen);
  const digest = (file: { hash: string; size: number }) => ({
    size: file.size,
    [diff.algorithm]: file.hash,
  });
  transaction(index.db, () => {
    for (const [file, download] of diff.downloads) {
      const key = `${dir}/${file}`;
      index.put(key, digest(download), null, name, seen);
      if (diff.algorithm === "sha256") {
        index.put(`${dir}/by-hash/SHA256/${download.hash}`, digest(download), key, name, seen);
      }
    }
    // Releases list the uncompressed index too, mostly; where not, its hash comes from here.
    if (!index.has(listing)) index.put(listing, digest(diff.current), null, name, seen);
  });
  await index.options.followDiffs?.({ listing, indexName: name, diff });
  return { kind: "diff-index", entries: diff.downloads.size };
}
