/**
 * The files Packages and Sources list, stored once per content: a listing
 * (by its canonical name) points at the content it last had and at the
 * archive root its paths are under. Reading the same bytes under another
 * name only points that name at the stored content.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ExpectedFile } from "../../hash/mod.ts";
import { strongestDigest } from "./index_writes.ts";

/** A stored content: its id, and whether all it lists was recorded. */
export interface StoredContent {
  readonly id: number;
  readonly complete: boolean;
  /** The uncompressed text's SHA-256 and size, and how many files it lists (when complete). */
  readonly textSha256: string | null;
  readonly textSize: number | null;
  readonly entries: number | null;
}

/** Writes to listing_contents, listing_files and listing_sources. */
export class ListingContents {
  readonly #find: StatementSync;
  readonly #create: StatementSync;
  readonly #clearFiles: StatementSync;
  readonly #putFile: StatementSync;
  readonly #complete: StatementSync;
  readonly #source: StatementSync;
  readonly #putSource: StatementSync;
  readonly #moveDropped: StatementSync;
  readonly #referenced: StatementSync;
  readonly #dropSuperseded: StatementSync;
  readonly #dropContent: StatementSync;

  constructor(readonly db: DatabaseSync) {
    this.#find = db.prepare(
      `SELECT id, complete, text_sha256 AS textSha256, text_size AS textSize, entries
      FROM listing_contents WHERE sha256 = ?`,
    );
    this.#create = db.prepare("INSERT INTO listing_contents (sha256) VALUES (?) RETURNING id");
    this.#clearFiles = db.prepare("DELETE FROM listing_files WHERE content = ?");
    this.#putFile = db.prepare(
      `INSERT OR REPLACE INTO listing_files (content, path, size, sha256, sha512, sha1, md5)
      VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#complete = db.prepare(
      `UPDATE listing_contents SET complete = 1, text_sha256 = ?, text_size = ?, entries = ?
      WHERE id = ?`,
    );
    this.#source = db.prepare(
      "SELECT content, seen_at FROM listing_sources WHERE listing = ?",
    );
    this.#putSource = db.prepare(
      `INSERT OR REPLACE INTO listing_sources (listing, root, content, seen_at)
      VALUES (?, ?, ?, ?)`,
    );
    // What the old content listed and the new one does not: kept by URL with when it was last
    // listed, as entries of the listing, so eviction can age it and lookups still find it.
    this.#moveDropped = db.prepare(
      `INSERT INTO index_entries (url, size, sha256, sha512, sha1, md5, name, listed_by, seen_at)
      SELECT :root || old.path, old.size, old.sha256, old.sha512, old.sha1, old.md5, NULL,
        :listing, :seen
      FROM listing_files AS old
      WHERE old.content = :old AND NOT EXISTS
        (SELECT 1 FROM listing_files AS new WHERE new.content = :new AND new.path = old.path)
      ON CONFLICT(url) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
        sha512 = excluded.sha512, sha1 = excluded.sha1, md5 = excluded.md5, name = NULL,
        listed_by = excluded.listed_by, seen_at = excluded.seen_at`,
    );
    // Rows of index_entries the listing's content now has again (re-added; or written by URL
    // before contents were kept): the content is what it lists.
    this.#dropSuperseded = db.prepare(
      `DELETE FROM index_entries WHERE listed_by = :listing AND EXISTS (SELECT 1 FROM listing_files
        WHERE content = :content AND path = substr(index_entries.url, length(:root) + 1))
        AND substr(url, 1, length(:root)) = :root`,
    );
    this.#referenced = db.prepare("SELECT 1 FROM listing_sources WHERE content = ? LIMIT 1");
    this.#dropContent = db.prepare("DELETE FROM listing_contents WHERE id = ?");
  }

  /** The stored content whose listing file has this SHA-256, if any. */
  find(sha256: string): StoredContent | undefined {
    const row = this.#find.get(sha256) as
      | (Omit<StoredContent, "complete"> & { complete: number })
      | undefined;
    return row && { ...row, complete: row.complete === 1 };
  }

  /** A content to record anew: a new row, or an unfinished one emptied (a kill cut it short). */
  begin(sha256: string): number {
    const found = this.find(sha256);
    if (!found) return (this.#create.get(sha256) as { id: number }).id;
    this.#clearFiles.run(found.id);
    return found.id;
  }

  /** Records one file the content lists, by its path under the archive root. */
  putFile(content: number, path: string, file: ExpectedFile): void {
    this.#putFile.run(content, path, file.size ?? null, ...strongestDigest(file));
  }

  /** All the content lists is recorded. */
  complete(content: number, text: { sha256: string; size: number }, entries: number): void {
    this.#complete.run(text.sha256, text.size, entries, content);
  }

  /**
   * Points `listing` at `content` under `root` as read at `seen` (inside
   * the caller's transaction). What its previous content listed and this
   * one does not moves to index_entries; a content no listing points at
   * any more goes.
   */
  attach(listing: string, root: string, content: number, seen: number): void {
    const previous = this.#source.get(listing) as
      | { content: number; seen_at: number }
      | undefined;
    if (previous && previous.content !== content) {
      this.#moveDropped.run({
        root,
        listing,
        seen: previous.seen_at,
        old: previous.content,
        new: content,
      });
    }
    if (previous?.content !== content) this.#dropSuperseded.run({ listing, content, root });
    this.#putSource.run(listing, root, content, seen);
    if (previous && previous.content !== content && !this.#referenced.get(previous.content)) {
      this.#clearFiles.run(previous.content);
      this.#dropContent.run(previous.content);
    }
  }
}
