/**
 * The archive index: what the archive's own indexes say each URL must
 * contain (size and hashes). Release files list the indexes; Packages and
 * Sources list the pool files. Kept in sqlite so it survives restarts.
 *
 * Keys are cache keys, `<site>/<path>`, where site is a host or an alias.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ExpectedFile } from "../hash/mod.ts";
import type { Logger } from "../log/mod.ts";
import { transaction } from "../cache/database.ts";
import {
  archiveRootOf,
  byHashDigest,
  compressionOf,
  indexKindOf,
  joinArchivePath,
} from "./index_files.ts";
import { parseRelease } from "./release.ts";
import { decompress } from "./compression.ts";
import { readIndexFiles } from "./packages.ts";

/** What the index knows of one URL. */
export interface IndexEntry extends ExpectedFile {
  /** For by-hash URLs and listed indexes: the canonical key, which says how to parse it. */
  readonly name?: string;
}

/** Release files bigger than this are not parsed (Debian's largest are a few hundred KiB). */
const MAX_RELEASE_BYTES = 16 * 1024 * 1024;

/** Summary of one ingested index, for logs and tests. */
export interface IngestResult {
  readonly kind: string;
  readonly entries: number;
}

/** Maps archive URLs to expected sizes and hashes; fed with every index that passes through. */
export class ArchiveIndex {
  #lookup: StatementSync;
  #upsert: StatementSync;
  #pending = new Set<Promise<unknown>>();

  constructor(
    private readonly db: DatabaseSync,
    private readonly log: Logger,
    private readonly now = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS index_entries (
      url TEXT PRIMARY KEY,
      size INTEGER,
      sha256 TEXT,
      sha1 TEXT,
      md5 TEXT,
      name TEXT,
      listed_by TEXT NOT NULL,
      seen_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.#lookup = db.prepare(
      "SELECT size, sha256, sha1, md5, name FROM index_entries WHERE url = ?",
    );
    this.#upsert = db.prepare(
      `INSERT INTO index_entries (url, size, sha256, sha1, md5, name, listed_by, seen_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(url) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, sha1 = excluded.sha1,
        md5 = excluded.md5, name = excluded.name, listed_by = excluded.listed_by, seen_at = excluded.seen_at`,
    );
  }

  /**
   * What `key` must contain, from the tracked indexes or, for by-hash URLs,
   * from the URL itself. Undefined when nothing is known.
   */
  lookup(key: string): IndexEntry | undefined {
    const row = this.#lookup.get(key) as
      | {
        size: number | null;
        sha256: string | null;
        sha1: string | null;
        md5: string | null;
        name: string | null;
      }
      | undefined;
    const found = byHashDigest(key);
    // SHA512 only names by-hash URLs; verification uses what the index lists for them.
    const digest = found && found.algorithm !== "sha512"
      ? { algorithm: found.algorithm, hex: found.hex }
      : undefined;
    if (!row) return digest ? { [digest.algorithm]: digest.hex } : undefined;
    const entry: { size?: number; sha256?: string; sha1?: string; md5?: string; name?: string } =
      {};
    if (row.size !== null) entry.size = row.size;
    if (row.sha256 !== null) entry.sha256 = row.sha256;
    if (row.sha1 !== null) entry.sha1 = row.sha1;
    if (row.md5 !== null) entry.md5 = row.md5;
    if (row.name !== null) entry.name = row.name;
    if (digest) entry[digest.algorithm] = digest.hex; // the URL's own hash always wins
    return entry;
  }

  /** Resolves when every ingest started so far has finished (successfully or not). */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  /**
   * Counts `work` as pending until it settles: a download of an index
   * whose ingestion will follow its commit (lookups may wait for both).
   */
  track(work: Promise<unknown>): void {
    const job = work.catch(() => {}).finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }

  /** True while an index is being downloaded or ingested (lookups may then be incomplete). */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Parses the verified file stored at `filePath` for `key` if it is an
   * index; runs in the background and never throws (failures are logged).
   */
  ingestInBackground(key: string, filePath: string): void {
    const name = this.lookup(key)?.name ?? key;
    if (!indexKindOf(name)) return;
    const job = this.ingest(key, filePath).catch((error) => {
      this.log.warn("index.ingest_failed", { key, error });
    }).finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }

  /** Parses the index stored at `filePath` for `key` and records what it lists. */
  async ingest(key: string, filePath: string): Promise<IngestResult | undefined> {
    const name = this.lookup(key)?.name ?? key;
    const kind = indexKindOf(name);
    const started = performance.now();
    let result: IngestResult | undefined;
    if (kind === "release") result = await this.#ingestRelease(name, filePath);
    else if (kind === "packages" || kind === "sources") {
      result = await this.#ingestListing(name, filePath, kind);
    }
    if (result) {
      this.log.info("index.ingested", {
        key: name,
        kind: result.kind,
        entries: result.entries,
        ms: Math.round(performance.now() - started),
      });
    }
    return result;
  }

  async #ingestRelease(name: string, filePath: string): Promise<IngestResult> {
    const stat = await Deno.stat(filePath);
    if (stat.size > MAX_RELEASE_BYTES) {
      throw new Error(`Release file too large (${stat.size} bytes)`);
    }
    const release = parseRelease(await Deno.readTextFile(filePath));
    const dir = name.slice(0, name.lastIndexOf("/") + 1);
    const seen = this.now();
    transaction(this.db, () => {
      for (const [path, file] of release.files) {
        const key = joinArchivePath(dir, path);
        if (!key) continue;
        this.#put(key, file, key, name, seen);
        const parent = key.slice(0, key.lastIndexOf("/"));
        if (file.sha256) {
          this.#put(`${parent}/by-hash/SHA256/${file.sha256}`, file, key, name, seen);
        }
        if (file.sha512) {
          this.#put(`${parent}/by-hash/SHA512/${file.sha512}`, file, key, name, seen);
        }
      }
    });
    return { kind: "release", entries: release.files.size };
  }

  async #ingestListing(
    name: string,
    filePath: string,
    kind: "packages" | "sources",
  ): Promise<IngestResult> {
    const root = archiveRootOf(name);
    const seen = this.now();
    const file = await Deno.open(filePath);
    const text = decompress(file.readable, compressionOf(name)).pipeThrough(
      new TextDecoderStream(),
    );
    // One short transaction per chunk of text: other writers get their turn, and no rows pile up.
    const entries = await readIndexFiles(text, kind, (batch) => {
      transaction(this.db, () => {
        for (const listed of batch) {
          const key = joinArchivePath(root, listed.path);
          if (key) this.#put(key, listed, null, name, seen);
        }
      });
    });
    return { kind, entries };
  }

  #put(key: string, file: ExpectedFile, name: string | null, listedBy: string, seen: number): void {
    this.#upsert.run(
      key,
      file.size ?? null,
      file.sha256 ?? null,
      file.sha256 ? null : file.sha1 ?? null,
      file.sha256 || file.sha1 ? null : file.md5 ?? null,
      name,
      listedBy,
      seen,
    );
  }
}
