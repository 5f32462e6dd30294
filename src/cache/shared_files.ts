/**
 * The `shared_files` table: files of shared directories (e.g.
 * /var/cache/apt/archives), hashed where they lie.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** A file of a shared directory (e.g. /var/cache/apt/archives), hashed where it lies. */
export interface SharedFile {
  readonly path: string;
  readonly size: number;
  readonly mtime: number;
  readonly sha256: string;
}

/** Prepared statements over `shared_files`. */
export class SharedFiles {
  readonly #bySha256: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.#bySha256 = db.prepare("SELECT * FROM shared_files WHERE sha256 = ?");
    this.#put = db.prepare(
      "INSERT OR REPLACE INTO shared_files (path, size, mtime, sha256) VALUES (?, ?, ?, ?)",
    );
    this.#delete = db.prepare("DELETE FROM shared_files WHERE path = ?");
  }

  /** Every shared file with this content, as last hashed. */
  withSha256(sha256: string): SharedFile[] {
    return this.#bySha256.all(sha256) as unknown as SharedFile[];
  }

  all(): SharedFile[] {
    return this.db.prepare("SELECT * FROM shared_files").all() as unknown as SharedFile[];
  }

  put(file: SharedFile): void {
    this.#put.run(file.path, file.size, file.mtime, file.sha256);
  }

  delete(path: string): void {
    this.#delete.run(path);
  }
}
