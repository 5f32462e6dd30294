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
import { ReleaseTrust } from "./release_trust.ts";
import type { TrustedKeys } from "../trust/mod.ts";
import { decompress } from "./compression.ts";
import { readIndexFiles } from "./packages.ts";

/** What the index knows of one URL. */
export interface IndexEntry extends ExpectedFile {
  /** For by-hash URLs and listed indexes: the canonical key, which says how to parse it. */
  readonly name?: string;
  /**
   * The hash traces back to a Release whose signature verified (or is the
   * by-hash URL's own, which apt took from a Release it verified): only then
   * may the file come from peers.
   */
  readonly trusted?: boolean;
}

/** How the index checks Release signatures. */
export interface IndexTrustOptions {
  readonly keys?: TrustedKeys;
  /** A verified cached file's bytes by cache key (a Release's sibling signature, or the reverse). */
  readonly readCached?: (key: string) => Promise<Uint8Array | undefined>;
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
  /** Which Release files verified. */
  readonly releases: ReleaseTrust;

  constructor(
    private readonly db: DatabaseSync,
    private readonly log: Logger,
    private readonly now = Date.now,
    private readonly trust: IndexTrustOptions = {},
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
      "SELECT size, sha256, sha1, md5, name, listed_by FROM index_entries WHERE url = ?",
    );
    this.releases = new ReleaseTrust(db, trust.keys, now);
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
        listed_by: string;
      }
      | undefined;
    const found = byHashDigest(key);
    // SHA512 only names by-hash URLs; verification uses what the index lists for them.
    const digest = found && found.algorithm !== "sha512"
      ? { algorithm: found.algorithm, hex: found.hex }
      : undefined;
    if (!row) return digest ? { [digest.algorithm]: digest.hex, trusted: true } : undefined;
    const entry: {
      size?: number;
      sha256?: string;
      sha1?: string;
      md5?: string;
      name?: string;
      trusted?: boolean;
    } = { trusted: digest !== undefined || this.#trustedListing(row.listed_by) };
    if (row.size !== null) entry.size = row.size;
    if (row.sha256 !== null) entry.sha256 = row.sha256;
    if (row.sha1 !== null) entry.sha1 = row.sha1;
    if (row.md5 !== null) entry.md5 = row.md5;
    if (row.name !== null) entry.name = row.name;
    if (digest) entry[digest.algorithm] = digest.hex; // the URL's own hash always wins
    return entry;
  }

  /** Whether an index that listed something traces back to a verified Release. */
  #trustedListing(listedBy: string): boolean {
    // Release → Packages/Sources (or by-hash) → pool files: two steps at most.
    for (let hop = 0, at = listedBy; hop < 3; hop++) {
      if (indexKindOf(at) === "release") return this.releases.trusted(at);
      const row = this.#lookup.get(at) as { listed_by: string } | undefined;
      if (!row) return false;
      at = row.listed_by;
    }
    return false;
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
    else if (kind === "signature") result = await this.#ingestSignature(name, filePath);
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
    const bytes = await Deno.readFile(filePath);
    const dir = name.slice(0, name.lastIndexOf("/") + 1);
    let text = new TextDecoder().decode(bytes);
    if (name.endsWith("/InRelease")) text = await this.releases.checkInRelease(name, text);
    else {
      const signature = await this.trust.readCached?.(`${dir}Release.gpg`);
      await this.releases.checkDetached(name, bytes, signature);
    }
    const release = parseRelease(text);
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

  /** A Release.gpg: checks the Release beside it, if that is cached. */
  async #ingestSignature(name: string, filePath: string): Promise<IngestResult> {
    const release = name.replace(/\.gpg$/, "");
    const data = await this.trust.readCached?.(release);
    if (data) await this.releases.checkDetached(release, data, await Deno.readFile(filePath));
    return { kind: "signature", entries: data ? 1 : 0 };
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
