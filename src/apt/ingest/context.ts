/**
 * What an index kind's ingest may use of the archive index: its tables,
 * through a few writes, and the options the daemon gave it.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { ExpectedFile } from "../../hash/mod.ts";
import type { TrustedKeys } from "../../trust/mod.ts";
import type { DiffIndex } from "../pdiff/mod.ts";
import type { ReleaseTrust } from "../release_trust.ts";
import type { ListingContents } from "./listing_contents.ts";

/** How the index checks Release signatures and follows pdiffs. */
export interface IndexOptions {
  readonly keys?: TrustedKeys;
  /** A verified cached file's bytes by cache key (a Release's sibling signature, or the reverse). */
  readonly readCached?: (key: string) => Promise<Uint8Array | undefined>;
  /**
   * Brings the tracking of `listing` (an uncompressed index name) up to the
   * diff Index's current version: apt patches its own copy and never sends
   * the result through us.
   */
  readonly followDiffs?: (change: DiffChange) => Promise<void>;
  /** A Packages or Sources index was read: files found elsewhere may now be matched. */
  readonly onListing?: () => void;
  /** A Release verified against its Release.gpg (hex DHT key of the signature). */
  readonly onSigned?: (key: string) => void;
  /**
   * Reads Packages and Sources off the thread that serves requests, at low
   * priority, into the same database file; without it they are read here.
   */
  readonly listingWorker?: ListingReader;
}

/** One Packages or Sources file to read into the index. */
export interface ListingJob {
  readonly kind: "packages" | "sources";
  /** Cache key and canonical name of the listing, where it is stored, and when it was read. */
  readonly key: string;
  readonly name: string;
  readonly filePath: string;
  readonly seen: number;
}

/** Something that reads a listing into the index and says how many files it listed. */
export interface ListingReader {
  read(job: ListingJob): Promise<IngestResult>;
  /** A lookup waits for what the listings waiting their turn may hold: read them now. */
  hurry?(): void;
}

/** A diff Index that arrived, and the index it is for. */
export interface DiffChange {
  /** Canonical uncompressed name of the index the patches apply to (`…/Packages`). */
  readonly listing: string;
  /** Canonical name of the diff Index (`…/Packages.diff/Index`). */
  readonly indexName: string;
  readonly diff: DiffIndex;
}

/** Summary of one ingested index, for logs and tests. */
export interface IngestResult {
  readonly kind: string;
  readonly entries: number;
  /** The same bytes were read before (under this name or another): nothing was parsed. */
  readonly reused?: boolean;
  /** How long it waited for its turn before it was read (apt's burst to end). */
  readonly waitedMs?: number;
}

/** The archive index as an ingest sees it. */
export interface IngestContext {
  readonly db: DatabaseSync;
  readonly now: () => number;
  readonly releases: ReleaseTrust;
  readonly options: IndexOptions;
  /** What Packages and Sources list, once per content. */
  readonly contents: ListingContents;
  /** Records what `key` must contain (the strongest digest only); `name` says how to parse it. */
  put(key: string, file: ExpectedFile, name: string | null, listedBy: string, seen: number): void;
  /** Records that the index `listedBy` was read at `seen`: older entries it gave are dropped ones. */
  markListed(listedBy: string, seen: number): void;
  /** Records the version of a listing whose entries are now in the index. */
  putVersion(
    listing: string,
    version: { sha256: string; size: number; key: string; name: string },
    seen: number,
  ): void;
  /** Whether anything is recorded for `key`. */
  has(key: string): boolean;
}

/** Reads the file stored at `filePath` for `key` (whose canonical name is `name`) into the index. */
export type Ingest = (
  index: IngestContext,
  key: string,
  name: string,
  filePath: string,
) => Promise<IngestResult>;
