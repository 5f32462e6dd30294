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
import { type ExpectedFile, HASH_ALGORITHMS, newHasher } from "../hash/mod.ts";
import type { Logger } from "../log/mod.ts";
import { transaction } from "../db/mod.ts";
import {
  archiveRootOf,
  byHashDigest,
  compressionOf,
  indexKindOf,
  joinArchivePath,
  uncompressedName,
} from "./index_files.ts";
import { type DiffIndex, parseDiffIndex } from "./pdiff/mod.ts";
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
}

/** A diff Index that arrived, and the index it is for. */
export interface DiffChange {
  /** Canonical uncompressed name of the index the patches apply to (`…/Packages`). */
  readonly listing: string;
  /** Canonical name of the diff Index (`…/Packages.diff/Index`). */
  readonly indexName: string;
  readonly diff: DiffIndex;
}

/** The version of a listing (Packages, Sources) whose entries are in the index. */
export interface ListingVersion {
  /** SHA-256 and size of the uncompressed text. */
  readonly sha256: string;
  readonly size: number;
  /** Where the text is cached, and the name that says how it is compressed. */
  readonly key: string;
  readonly name: string;
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
  /** Ingests running, by cache key. */
  #ingesting = new Map<string, Promise<unknown>>();
  #version: StatementSync;
  #putVersion: StatementSync;
  /** Which Release files verified. */
  readonly releases: ReleaseTrust;
  readonly #listed: StatementSync;
  readonly #ingestedAt: StatementSync;
  readonly #entrySeen: StatementSync;

  constructor(
    private readonly db: DatabaseSync,
    private readonly log: Logger,
    private readonly now = Date.now,
    private readonly trust: IndexOptions = {},
  ) {
    this.#lookup = db.prepare(
      "SELECT size, sha256, sha512, sha1, md5, name, listed_by FROM index_entries WHERE url = ?",
    );
    this.releases = new ReleaseTrust(db, trust.keys, now);
    this.#listed = db.prepare(
      "INSERT OR REPLACE INTO listings (listed_by, ingested_at) VALUES (?, ?)",
    );
    this.#ingestedAt = db.prepare("SELECT ingested_at FROM listings WHERE listed_by = ?");
    this.#entrySeen = db.prepare("SELECT seen_at, listed_by FROM index_entries WHERE url = ?");
    this.#version = db.prepare(
      "SELECT sha256, size, source_key, source_name FROM listing_versions WHERE listing = ?",
    );
    this.#putVersion = db.prepare(
      `INSERT OR REPLACE INTO listing_versions (listing, sha256, size, source_key, source_name, seen_at)
      VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#upsert = db.prepare(
      `INSERT INTO index_entries (url, size, sha256, sha512, sha1, md5, name, listed_by, seen_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(url) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
        sha512 = excluded.sha512, sha1 = excluded.sha1,
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
        sha512: string | null;
        name: string | null;
        listed_by: string;
      }
      | undefined;
    const found = byHashDigest(key);
    const digest = found && { algorithm: found.algorithm, hex: found.hex };
    if (!row) return digest ? { [digest.algorithm]: digest.hex, trusted: true } : undefined;
    const entry: {
      size?: number;
      sha256?: string;
      sha1?: string;
      md5?: string;
      sha512?: string;
      name?: string;
      trusted?: boolean;
    } = { trusted: digest !== undefined || this.#trustedListing(row.listed_by) };
    if (row.size !== null) entry.size = row.size;
    if (row.sha256 !== null) entry.sha256 = row.sha256;
    if (row.sha1 !== null) entry.sha1 = row.sha1;
    if (row.md5 !== null) entry.md5 = row.md5;
    if (row.sha512 !== null) entry.sha512 = row.sha512;
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

  /**
   * When `key` was last known to be listed: the last read of an index that
   * listed it, or, while the newest version of that index still lists it,
   * the last time that index (or the Release above it) was used. `usedAt`
   * gives a cached file's last use or check by key. Undefined: never listed.
   */
  lastListed(
    key: string,
    usedAt: (key: string) => number | undefined,
    depth = 3,
  ): number | undefined {
    const row = this.#entrySeen.get(key) as { seen_at: number; listed_by: string } | undefined;
    if (!row) return undefined;
    const newest = (this.#ingestedAt.get(row.listed_by) as { ingested_at: number } | undefined)
      ?.ingested_at ?? row.seen_at;
    if (row.seen_at < newest || row.listed_by === key || depth === 0) return row.seen_at;
    return Math.max(
      row.seen_at,
      usedAt(row.listed_by) ?? 0,
      this.lastListed(row.listed_by, usedAt, depth - 1) ?? 0,
    );
  }

  /**
   * Of these SHA-256 digests, the ones a tracked index lists with a trusted
   * hash (a file found elsewhere, e.g. in apt's archives, may then be
   * announced). One pass over the entries per 500 digests.
   */
  trustedAmong(sha256s: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let i = 0; i < sha256s.length; i += 500) {
      const batch = sha256s.slice(i, i + 500).map((h) => h.toLowerCase());
      const rows = this.db.prepare(
        `SELECT url, sha256 FROM index_entries WHERE sha256 IN (${batch.map(() => "?").join(",")})`,
      ).all(...batch) as { url: string; sha256: string }[];
      for (const row of rows) {
        if (!found.has(row.sha256) && this.lookup(row.url)?.trusted) found.add(row.sha256);
      }
    }
    return found;
  }

  /** The version of `listing` (canonical, uncompressed name) whose entries were last recorded. */
  versionOf(listing: string): ListingVersion | undefined {
    const row = this.#version.get(listing) as
      | { sha256: string; size: number; source_key: string; source_name: string }
      | undefined;
    return row &&
      { sha256: row.sha256, size: row.size, key: row.source_key, name: row.source_name };
  }

  /** The background ingest of `key` in progress, if any. */
  ingesting(key: string): Promise<unknown> | undefined {
    return this.#ingesting.get(key);
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
    }).finally(() => {
      this.#pending.delete(job);
      if (this.#ingesting.get(key) === job) this.#ingesting.delete(key);
    });
    this.#pending.add(job);
    this.#ingesting.set(key, job);
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
      result = await this.#ingestListing(key, name, filePath, kind);
    } else if (kind === "diff-index") result = await this.#ingestDiffIndex(name, filePath);
    if (result?.kind === "packages" || result?.kind === "sources") this.trust.onListing?.();
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
    this.#listed.run(name, seen);
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
    key: string,
    name: string,
    filePath: string,
    kind: "packages" | "sources",
  ): Promise<IngestResult> {
    const root = archiveRootOf(name);
    const seen = this.now();
    this.#listed.run(name, seen);
    const file = await Deno.open(filePath);
    // The uncompressed text's hash names this version, for pdiffs to start from.
    const hash = newHasher("sha256");
    let size = 0;
    const text = decompress(file.readable, compressionOf(name)).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hash.update(chunk);
          size += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    ).pipeThrough(new TextDecoderStream());
    // One short transaction per chunk of text: other writers get their turn, and no rows pile up.
    const entries = await readIndexFiles(text, kind, (batch) => {
      transaction(this.db, () => {
        for (const listed of batch) {
          const key = joinArchivePath(root, listed.path);
          if (key) this.#put(key, listed, null, name, seen);
        }
      });
    });
    this.#putVersion.run(uncompressedName(name), hash.hexdigest(), size, key, name, seen);
    return { kind, entries };
  }

  /**
   * A diff Index: its patches get tracked hashes (so they can come from
   * peers), then the listing it belongs to is brought up to date.
   */
  async #ingestDiffIndex(name: string, filePath: string): Promise<IngestResult> {
    const diff = parseDiffIndex(await Deno.readTextFile(filePath));
    const dir = name.slice(0, name.lastIndexOf("/"));
    const listing = dir.replace(/\.diff$/, "");
    const seen = this.now();
    this.#listed.run(name, seen);
    const digest = (file: { hash: string; size: number }) => ({
      size: file.size,
      [diff.algorithm]: file.hash,
    });
    transaction(this.db, () => {
      for (const [file, download] of diff.downloads) {
        const key = `${dir}/${file}`;
        this.#put(key, digest(download), null, name, seen);
        if (diff.algorithm === "sha256") {
          this.#put(`${dir}/by-hash/SHA256/${download.hash}`, digest(download), key, name, seen);
        }
      }
      // Releases list the uncompressed index too, mostly; where not, its hash comes from here.
      if (!this.#lookup.get(listing)) this.#put(listing, digest(diff.current), null, name, seen);
    });
    await this.trust.followDiffs?.({ listing, indexName: name, diff });
    return { kind: "diff-index", entries: diff.downloads.size };
  }

  /** Records the strongest digest only: SHA-256, else SHA512, SHA1, MD5. */
  #put(key: string, file: ExpectedFile, name: string | null, listedBy: string, seen: number): void {
    const strongest = HASH_ALGORITHMS.find((a) => file[a]);
    const digest = (algorithm: string) => strongest === algorithm ? file[strongest] ?? null : null;
    this.#upsert.run(
      key,
      file.size ?? null,
      digest("sha256"),
      digest("sha512"),
      digest("sha1"),
      digest("md5"),
      name,
      listedBy,
      seen,
    );
  }
}
