/**
 * The `piece_lists` table: the bencoded piece list of each large file's
 * content, by its key (hex SHA-1), served to peers at `/~/<key>`. Rows go
 * with the last file of their content (migration 2's triggers).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { pieceListName } from "../hash/mod.ts";

/** Prepared statements over `piece_lists`. */
export class PieceLists {
  readonly #put: StatementSync;
  readonly #bySha1: StatementSync;
  readonly #ofFile: StatementSync;

  constructor(db: DatabaseSync) {
    this.#put = db.prepare(
      "INSERT OR REPLACE INTO piece_lists (sha1, file_sha256, list) VALUES (?, ?, ?)",
    );
    this.#bySha1 = db.prepare("SELECT list FROM piece_lists WHERE sha1 = ?");
    this.#ofFile = db.prepare("SELECT sha1 FROM piece_lists WHERE file_sha256 = ? LIMIT 1");
  }

  /** Keeps `list` as the piece list of the content with this SHA-256. */
  put(fileSha256: string, list: Uint8Array): void {
    this.#put.run(pieceListName(list), fileSha256, list);
  }

  /** The key of the piece list of the content with this SHA-256, if it has one. */
  keyOf(fileSha256: string): string | undefined {
    return (this.#ofFile.get(fileSha256) as { sha1: string } | undefined)?.sha1;
  }

  /** A stored piece list by its key. */
  get(sha1: string): Uint8Array<ArrayBuffer> | undefined {
    const row = this.#bySha1.get(sha1) as { list: Uint8Array } | undefined;
    return row ? new Uint8Array(row.list) : undefined;
  }
}
