/**
 * The writes an ingest makes to the archive index's tables, on one
 * connection: the thread that serves requests and the ingest worker each
 * have their own.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type ExpectedFile, HASH_ALGORITHMS } from "../../hash/mod.ts";

/** A listing's version whose entries are recorded: the uncompressed text's hash and size, and where it is cached. */
export interface ListingVersionRecord {
  readonly sha256: string;
  readonly size: number;
  readonly key: string;
  readonly name: string;
}

/**
 * The strongest digest `file` has, in the columns sha256, sha512, sha1,
 * md5 (the others null): SHA-256, else SHA512, SHA1, MD5.
 */
export function strongestDigest(file: ExpectedFile): (string | null)[] {
  const strongest = HASH_ALGORITHMS.find((a) => file[a]);
  const digest = (algorithm: string) => strongest === algorithm ? file[strongest] ?? null : null;
  return [digest("sha256"), digest("sha512"), digest("sha1"), digest("md5")];
}

/** Prepared writes to index_entries, listings and listing_versions. */
export class IndexWrites {
  readonly #upsert: StatementSync;
  readonly #listed: StatementSync;
  readonly #putVersion: StatementSync;
  readonly #has: StatementSync;

  constructor(readonly db: DatabaseSync) {
    this.#upsert = db.prepare(
      `INSERT INTO index_entries (url, size, sha256, sha512, sha1, md5, name, listed_by, seen_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(url) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
        sha512 = excluded.sha512, sha1 = excluded.sha1,
        md5 = excluded.md5, name = excluded.name, listed_by = excluded.listed_by, seen_at = excluded.seen_at`,
    );
    this.#listed = db.prepare(
      "INSERT OR REPLACE INTO listings (listed_by, ingested_at) VALUES (?, ?)",
    );
    this.#putVersion = db.prepare(
      `INSERT OR REPLACE INTO listing_versions (listing, sha256, size, source_key, source_name, seen_at)
      VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#has = db.prepare("SELECT 1 FROM index_entries WHERE url = ?");
  }

  /** Records what `key` must contain, the strongest digest only: SHA-256, else SHA512, SHA1, MD5. */
  put(key: string, file: ExpectedFile, name: string | null, listedBy: string, seen: number): void {
    this.#upsert.run(
      key,
      file.size ?? null,
      ...strongestDigest(file),
      name,
      listedBy,
      seen,
    );
  }

  /** Records that the index `listedBy` was read at `seen`: older entries it gave are dropped ones. */
  markListed(listedBy: string, seen: number): void {
    this.#listed.run(listedBy, seen);
  }

  /** Records the version of a listing whose entries are now in the index. */
  putVersion(listing: string, v: ListingVersionRecord, seen: number): void {
    this.#putVersion.run(listing, v.sha256, v.size, v.key, v.name, seen);
  }

  /** Whether anything is recorded for `key`. */
  has(key: string): boolean {
    return this.#has.get(key) !== undefined;
  }
}
