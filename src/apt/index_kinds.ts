/**
 * The kinds of archive index, as data: how each is recognised from its
 * path, how it may be compressed, how it is read into the archive index,
 * and what depends on it. The index, the pipeline and the pdiff follower
 * all ask here, so tracking a new kind (DEP-11, Contents) is one ingest
 * file and one entry below.
 *
 * @module
 */

import { basename } from "./index_files.ts";
import type { Ingest } from "./ingest/context.ts";
import { ingestDiffIndex } from "./ingest/diff_index.ts";
import { ingestListing } from "./ingest/listing.ts";
import { ingestRelease, ingestSignature } from "./ingest/release.ts";

/** How an index file is parsed for hashes. */
export type IndexKind =
  | "release"
  | "signature"
  | "packages"
  | "sources"
  | "diff-index"
  | "other-index";

/** Compressions an index may come in, by file extension ("none": no extension). */
export type IndexCompression = "none" | "gz" | "xz" | "bz2" | "lzma" | "zst";

/** One kind of index. */
export interface IndexKindSpec {
  readonly kind: IndexKind;
  /** The file's last path segment, without its compression extension. */
  readonly base: RegExp;
  /** What the whole path must also match, when the base name alone is not enough. */
  readonly path?: RegExp;
  readonly compressions: readonly IndexCompression[];
  /** How it is read into the archive index; none for kinds only recognised. */
  readonly ingest?: Ingest;
  /** Its download is awaited by lookups: the hashes it gives may be the ones they need. */
  readonly tracked: boolean;
  /** It lists pool files (packages, sources), so reading it may match files found elsewhere. */
  readonly listsPoolFiles: boolean;
}

const LISTING_COMPRESSIONS: readonly IndexCompression[] = ["none", "gz", "xz", "bz2"];

/** Every kind, most specific first: the first that matches a path names its kind. */
export const INDEX_KINDS: readonly IndexKindSpec[] = [
  {
    kind: "release",
    base: /^(InRelease|Release)$/,
    compressions: ["none"],
    ingest: ingestRelease,
    tracked: true,
    listsPoolFiles: false,
  },
  {
    kind: "signature",
    base: /^Release\.gpg$/,
    compressions: ["none"],
    ingest: ingestSignature,
    tracked: false,
    listsPoolFiles: false,
  },
  {
    kind: "diff-index",
    base: /^Index$/,
    path: /\.diff\/Index$/,
    compressions: ["none"],
    ingest: ingestDiffIndex,
    tracked: true,
    listsPoolFiles: false,
  },
  {
    kind: "packages",
    base: /^Packages$/,
    compressions: LISTING_COMPRESSIONS,
    ingest: ingestListing("packages"),
    tracked: true,
    listsPoolFiles: true,
  },
  {
    kind: "sources",
    base: /^Sources$/,
    compressions: LISTING_COMPRESSIONS,
    ingest: ingestListing("sources"),
    tracked: true,
    listsPoolFiles: true,
  },
  {
    // Indexes apt fetches that list no files we serve: recognised (they change in place), not read.
    kind: "other-index",
    base:
      /^(Packages|Sources|Contents-[^/]+|Translation-[^/]+|Components-[^/]+|Commands-[^/]+|icons-[^/]+|Index)$/,
    compressions: ["none", "gz", "xz", "bz2", "lzma", "zst"],
    tracked: false,
    listsPoolFiles: false,
  },
];

/** Whether `base` is `spec`'s base name, uncompressed or with one of its compressions. */
function matchesBase(spec: IndexKindSpec, base: string): boolean {
  if (spec.base.test(base)) return spec.compressions.includes("none");
  const dot = base.lastIndexOf(".");
  if (dot < 0) return false;
  const extension = base.slice(dot + 1) as IndexCompression;
  return extension !== "none" && spec.compressions.includes(extension) &&
    spec.base.test(base.slice(0, dot));
}

/** The kind of index a (canonical) name is, or undefined when it is no index. */
export function indexKindSpec(name: string): IndexKindSpec | undefined {
  const base = basename(name);
  return INDEX_KINDS.find((spec) =>
    matchesBase(spec, base) && (spec.path === undefined || spec.path.test(name))
  );
}

/** How to parse a file with this (canonical) name, or undefined when it has no hashes for us. */
export function indexKindOf(name: string): IndexKind | undefined {
  return indexKindSpec(name)?.kind;
}

/**
 * Whether a download of the file with this (canonical) name should be
 * awaited by lookups (`ArchiveIndex.track`): its ingest records hashes.
 */
export function isTrackedIndex(name: string): boolean {
  return indexKindSpec(name)?.tracked ?? false;
}
