/**
 * The `files` table: one row per committed cache key, with what the file
 * was at commit (size, mtime, SHA-256), its validators and when it was
 * last checked and used.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** A row of `files`, as sqlite gives it. */
export interface FileRow {
  readonly path: string;
  readonly used_at: number;
  readonly size: number;
  readonly mtime: number;
  readonly sha256: string;
  readonly etag: string | null;
  readonly last_modified: string | null;
  readonly checked_at: number;
  readonly announce: number;
}

/** The values a commit or a link records. */
export interface FileValues {
  readonly size: number;
  /** Milliseconds since the epoch, as on disk at commit time. */
  readonly mtime: number;
  readonly sha256: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** When the mirror last confirmed this copy (commit or 304), ms since the epoch. */
  readonly checkedAt: number;
  /** Whether peers may be told we have it. */
  readonly announce: boolean;
}

/** Prepared statements over `files`. */
export class FileRecords {
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #checked: StatementSync;
  readonly #used: StatementSync;
  readonly #mtime: StatementSync;
  readonly #delete: StatementSync;
  readonly #bySha256: StatementSync;
  readonly #announcedBySha256: StatementSync;
  readonly #announced: StatementSync;
  readonly #totals: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.#get = db.prepare("SELECT * FROM files WHERE path = ?");
    this.#bySha256 = db.prepare(
      "SELECT path FROM files WHERE sha256 = ? ORDER BY checked_at DESC LIMIT 1",
    );
    this.#announcedBySha256 = db.prepare(
      "SELECT path FROM files WHERE sha256 = ? AND announce = 1 ORDER BY checked_at DESC LIMIT 1",
    );
    this.#announced = db.prepare("SELECT DISTINCT sha256 FROM files WHERE announce = 1");
    this.#totals = db.prepare(
      "SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM files",
    );
    // A new record's last use is its commit (?7, the check time).
    this.#put = db.prepare(
      `INSERT INTO files (path, size, mtime, sha256, etag, last_modified, checked_at, announce, used_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?7) ON CONFLICT(path) DO UPDATE SET size = excluded.size,
      mtime = excluded.mtime, sha256 = excluded.sha256, etag = excluded.etag,
      last_modified = excluded.last_modified, checked_at = excluded.checked_at,
      announce = excluded.announce, used_at = excluded.used_at`,
    );
    this.#checked = db.prepare("UPDATE files SET checked_at = ? WHERE path = ?");
    this.#used = db.prepare("UPDATE files SET used_at = ? WHERE path = ?");
    this.#mtime = db.prepare("UPDATE files SET mtime = ? WHERE path = ?");
    this.#delete = db.prepare("DELETE FROM files WHERE path = ?");
  }

  get(key: string): FileRow | undefined {
    return this.#get.get(key) as FileRow | undefined;
  }

  /** Records `key` (inserting or replacing). */
  put(key: string, file: FileValues): void {
    this.#put.run(
      key,
      file.size,
      file.mtime,
      file.sha256,
      file.etag ?? null,
      file.lastModified ?? null,
      file.checkedAt,
      file.announce ? 1 : 0,
    );
  }

  /** The most recently checked key with this content. */
  keyOf(sha256: string): string | undefined {
    return (this.#bySha256.get(sha256) as { path: string } | undefined)?.path;
  }

  /** The most recently checked key with this content that may be announced (a trusted hash). */
  announcedKeyOf(sha256: string): string | undefined {
    return (this.#announcedBySha256.get(sha256) as { path: string } | undefined)?.path;
  }

  markChecked(key: string, at: number): void {
    this.#checked.run(at, key);
  }

  markUsed(key: string, at: number): void {
    this.#used.run(at, key);
  }

  setMtime(key: string, mtime: number): void {
    this.#mtime.run(mtime, key);
  }

  /** Forgets `key` (its piece lists follow through the schema's triggers). */
  delete(key: string): void {
    this.#delete.run(key);
  }

  announceable(): string[] {
    return (this.#announced.all() as { sha256: string }[]).map((row) => row.sha256);
  }

  totals(): { files: number; bytes: number } {
    const row = this.#totals.get() as { files: number; bytes: number };
    return { files: Number(row.files), bytes: Number(row.bytes) };
  }

  /** Every row, least recently used first. */
  all(): FileRow[] {
    return this.db.prepare("SELECT * FROM files ORDER BY used_at, path")
      .all() as unknown as FileRow[];
  }
}
