/**
 * The archive index: what the archive's own indexes say each URL must
 * contain (size and hashes). Release files list the indexes; Packages and
 * Sources list the pool files. Kept in sqlite so it survives restarts.
 *
 * Keys are cache keys, `<site>/<path>`, where site is a host or an alias.
 *
 * @module
 */

import { securityListedPackages } from "./security_listings.ts";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ExpectedFile } from "../hash/mod.ts";
import type { Logger } from "../log/mod.ts";
import { archiveRootOf, byHashDigest } from "./index_files.ts";
import { indexKindOf, indexKindSpec, isTrackedIndex } from "./index_kinds.ts";
import type { IndexOptions, IngestContext, IngestResult } from "./ingest/context.ts";
import { IndexWrites } from "./ingest/index_writes.ts";
import { ListingContents } from "./ingest/listing_contents.ts";
import { ReleaseTrust } from "./release_trust.ts";

export type { DiffChange, IndexOptions, IngestResult } from "./ingest/context.ts";

/** A row of what is recorded of one URL. */
interface EntryRow {
  readonly size: number | null;
  readonly sha256: string | null;
  readonly sha1: string | null;
  readonly md5: string | null;
  readonly sha512: string | null;
  readonly name: string | null;
  readonly listed_by: string;
}

/** A file a listing's current content lists, and when that listing was last read. */
type ListedRow = EntryRow & { readonly seen_at: number };

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

/** The version of a listing (Packages, Sources) whose entries are in the index. */
export interface ListingVersion {
  /** SHA-256 and size of the uncompressed text. */
  readonly sha256: string;
  readonly size: number;
  /** Where the text is cached, and the name that says how it is compressed. */
  readonly key: string;
  readonly name: string;
}

/** Maps archive URLs to expected sizes and hashes; fed with every index that passes through. */
export class ArchiveIndex {
  #lookup: StatementSync;
  /** Index downloads and ingests in flight, by the archive root whose URLs they may list. */
  #pending = new Map<Promise<unknown>, string>();
  /** Ingests running, by cache key. */
  #ingesting = new Map<string, Promise<unknown>>();
  #version: StatementSync;
  /** Which Release files verified. */
  readonly releases: ReleaseTrust;
  readonly #ingestedAt: StatementSync;
  readonly #entrySeen: StatementSync;
  /** What the ingest of each kind may do to the index. */
  readonly #context: IngestContext;
  readonly #markUnfinished: StatementSync;
  readonly #clearUnfinished: StatementSync;
  readonly #listedFiles: StatementSync;
  /** The archive roots listings are under (loaded when first needed, again after each listing). */
  #roots: string[] | undefined;

  constructor(
    private readonly db: DatabaseSync,
    private readonly log: Logger,
    private readonly now = Date.now,
    private readonly trust: IndexOptions = {},
  ) {
    this.#lookup = db.prepare(
      "SELECT size, sha256, sha512, sha1, md5, name, listed_by FROM index_entries WHERE url = ?",
    );
    this.releases = new ReleaseTrust(db, trust.keys, now, trust.onSigned);
    this.#ingestedAt = db.prepare("SELECT ingested_at FROM listings WHERE listed_by = ?");
    this.#entrySeen = db.prepare("SELECT seen_at, listed_by FROM index_entries WHERE url = ?");
    this.#version = db.prepare(
      "SELECT sha256, size, source_key, source_name FROM listing_versions WHERE listing = ?",
    );
    this.#markUnfinished = db.prepare(
      "INSERT OR IGNORE INTO unfinished_ingests (key, started_at) VALUES (?, ?)",
    );
    this.#clearUnfinished = db.prepare("DELETE FROM unfinished_ingests WHERE key = ?");
    this.#listedFiles = db.prepare(
      `SELECT f.size, f.sha256, f.sha512, f.sha1, f.md5, NULL AS name, s.listing AS listed_by,
        s.seen_at
      FROM listing_sources AS s JOIN listing_files AS f ON f.content = s.content AND f.path = ?
      WHERE s.root = ? ORDER BY s.seen_at DESC`,
    );
    const writes = new IndexWrites(db);
    this.#context = {
      db,
      now,
      releases: this.releases,
      options: trust,
      contents: new ListingContents(db),
      put: (key, file, name, listedBy, seen) => writes.put(key, file, name, listedBy, seen),
      markListed: (listedBy, seen) => writes.markListed(listedBy, seen),
      putVersion: (listing, v, seen) => writes.putVersion(listing, v, seen),
      has: (key) => writes.has(key),
    };
  }

  /**
   * What `key` must contain, from the tracked indexes or, for by-hash URLs,
   * from the URL itself. Undefined when nothing is known.
   */
  lookup(key: string): IndexEntry | undefined {
    const found = byHashDigest(key);
    const digest = found && { algorithm: found.algorithm, hex: found.hex };
    // What a listing's current content says first (a trusted one before others), then the rest.
    const listed = this.#listedRows(key);
    let row = listed.find((r) => this.#trustedListing(r.listed_by));
    const trusted = row !== undefined || digest !== undefined;
    row ??= listed[0] ?? this.#lookup.get(key) as EntryRow | undefined;
    if (!row) return digest ? { [digest.algorithm]: digest.hex, trusted: true } : undefined;
    const entry: {
      size?: number;
      sha256?: string;
      sha1?: string;
      md5?: string;
      sha512?: string;
      name?: string;
      trusted?: boolean;
    } = { trusted: trusted || (listed.length === 0 && this.#trustedListing(row.listed_by)) };
    if (row.size !== null) entry.size = row.size;
    if (row.sha256 !== null) entry.sha256 = row.sha256;
    if (row.sha1 !== null) entry.sha1 = row.sha1;
    if (row.md5 !== null) entry.md5 = row.md5;
    if (row.sha512 !== null) entry.sha512 = row.sha512;
    if (row.name !== null) entry.name = row.name;
    if (digest) entry[digest.algorithm] = digest.hex; // the URL's own hash always wins
    return entry;
  }

  /** Paths of the packages the security archive's current listings list. */
  securityPackages(): string[] {
    return securityListedPackages(this.db);
  }

  /** The listings whose current content lists `key`, newest read first. */
  listingsOf(key: string): string[] {
    return this.#listedRows(key).map((row) => row.listed_by);
  }

  /** The files the current contents of listings list under `key`'s path, newest read first. */
  #listedRows(key: string): ListedRow[] {
    this.#roots ??= (this.db.prepare("SELECT DISTINCT root FROM listing_sources").all() as {
      root: string;
    }[]).map((r) => r.root);
    const rows: ListedRow[] = [];
    for (const root of this.#roots) {
      if (!key.startsWith(root)) continue;
      rows.push(
        ...this.#listedFiles.all(key.slice(root.length), root) as unknown as ListedRow[],
      );
    }
    return rows;
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
    const listed = this.#listedRows(key);
    if (listed.length > 0) {
      // Still listed: as late as each listing that lists it was read, used, or listed itself.
      return Math.max(...listed.map((r) =>
        Math.max(
          r.seen_at,
          usedAt(r.listed_by) ?? 0,
          depth === 0 ? 0 : this.lastListed(r.listed_by, usedAt, depth - 1) ?? 0,
        )
      ));
    }
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
      const listed = this.db.prepare(
        `SELECT s.root || f.path AS url, f.sha256 FROM listing_files AS f
        JOIN listing_sources AS s ON s.content = f.content
        WHERE f.sha256 IN (${batch.map(() => "?").join(",")})`,
      ).all(...batch) as { url: string; sha256: string }[];
      for (const row of [...listed, ...rows]) {
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

  /** Listings whose reading waits for apt's burst to end are read now: a lookup needs them. */
  hurry(): void {
    this.trust.listingWorker?.hurry?.();
  }

  /**
   * Resolves when every ingest started so far has finished (successfully or
   * not); listings waiting for their turn are read now.
   */
  settled(): Promise<void> {
    return this.#settle(() => [...this.#pending.keys()]);
  }

  /**
   * Resolves when no index that may list `key` is being downloaded or read
   * any more; listings waiting for their turn are read now.
   */
  settledFor(key: string): Promise<void> {
    return this.#settle(() => this.#pendingFor(key));
  }

  /** Waits, round after round, until `jobs()` is empty, hurrying listings each round. */
  async #settle(jobs: () => Promise<unknown>[]): Promise<void> {
    for (let waiting = jobs(); waiting.length; waiting = jobs()) {
      this.hurry();
      await Promise.allSettled(waiting);
    }
  }

  /**
   * Counts `work` as pending until it settles: a download of the index
   * `key` (canonically `name`) whose ingestion will follow its commit
   * (lookups under its archive root may wait for both).
   */
  track(work: Promise<unknown>, key: string, name = this.lookup(key)?.name ?? key): void {
    const job = work.catch(() => {}).finally(() => this.#pending.delete(job));
    this.#pending.set(job, archiveRootOf(name));
  }

  /** True while an index is being downloaded or ingested (lookups may then be incomplete). */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /** True while an index that may list `key` (one under an archive root above it) is on its way. */
  busyFor(key: string): boolean {
    return this.#pendingFor(key).length > 0;
  }

  #pendingFor(key: string): Promise<unknown>[] {
    return [...this.#pending].filter(([, root]) => key.startsWith(root)).map(([job]) => job);
  }

  /**
   * Parses the verified file stored at `filePath` for `key` if it is an
   * index; runs in the background and never throws (failures are logged).
   */
  ingestInBackground(key: string, filePath: string): void {
    const name = this.lookup(key)?.name ?? key;
    if (!indexKindOf(name)) {
      // A by-hash file says what it is once the Release that lists it is read: apt asks for it
      // right after the InRelease, whose check may still be running. Look again after that.
      const releases = byHashDigest(key) ? this.#pendingFor(key) : [];
      if (releases.length === 0) return;
      const again = Promise.allSettled(releases).then(() => {
        if (!indexKindOf(this.lookup(key)?.name ?? key)) return;
        this.ingestInBackground(key, filePath);
        return this.#ingesting.get(key);
      });
      this.track(again, key, key);
      return;
    }
    // One at a time per key: two at once would clear each other's mark and race their versions.
    const previous = this.#ingesting.get(key);
    const run = () => this.ingest(key, filePath);
    const job = (previous ? previous.then(run, run) : run()).catch((error) => {
      this.log.warn("index.ingest_failed", { key, error });
    }).finally(() => {
      this.#pending.delete(job);
      if (this.#ingesting.get(key) === job) this.#ingesting.delete(key);
    });
    this.#pending.set(job, archiveRootOf(name));
    this.#ingesting.set(key, job);
  }

  /**
   * Notes that `key`, an index, is about to arrive and be read: until its
   * ingest completes, a kill leaves this behind for `resumeUnfinished`.
   */
  ingestExpected(key: string): void {
    if (indexKindSpec(this.lookup(key)?.name ?? key)?.ingest) {
      this.#markUnfinished.run(key, this.now());
    }
  }

  /** The index expected at `key` will not be read after all (its download failed). */
  ingestNotNeeded(key: string): void {
    if (!this.#ingesting.has(key)) this.#clearUnfinished.run(key);
  }

  /**
   * `key` (canonically `name`) is being downloaded; `done` settles with the
   * committed file, or undefined. If it is an index whose hashes are read,
   * lookups wait for it (`busy`), and it is marked unfinished before its
   * commit, so no kill between commit and ingest can skip the read.
   */
  expectDownload(key: string, name: string, done: Promise<unknown>): void {
    if (!isTrackedIndex(name)) {
      // A by-hash file asked for while its Release is read may be an index: lookups wait for it.
      if (byHashDigest(key) && this.busyFor(key)) this.track(done, key, key);
      return;
    }
    this.ingestExpected(key);
    this.track(done, key, name);
    done.then((file) => file ?? this.ingestNotNeeded(key), () => this.ingestNotNeeded(key));
  }

  /**
   * Reads again every index whose ingest a kill cut short, from the cache
   * (`pathOf` gives the path of a key's committed file, if it has one).
   * Returns how many were started; they run in the background.
   */
  resumeUnfinished(pathOf: (key: string) => string | undefined): number {
    const rows = this.db.prepare("SELECT key FROM unfinished_ingests").all() as { key: string }[];
    let resumed = 0;
    for (const { key } of rows) {
      const path = pathOf(key);
      if (!path) {
        this.#clearUnfinished.run(key); // never committed: apt will ask for it again
        continue;
      }
      this.log.info("index.ingest_resumed", { key });
      this.ingestInBackground(key, path);
      resumed++;
    }
    return resumed;
  }

  /**
   * Parses the index stored at `filePath` for `key` and records what it
   * lists. The index's version and read time are recorded last, with what
   * it lists complete; until then a kill leaves the ingest marked unfinished.
   */
  async ingest(key: string, filePath: string): Promise<IngestResult | undefined> {
    const name = this.lookup(key)?.name ?? key;
    const spec = indexKindSpec(name);
    if (!spec?.ingest) return undefined;
    const started = performance.now();
    this.#markUnfinished.run(key, this.now());
    let result: IngestResult;
    try {
      result = await spec.ingest(this.#context, key, name, filePath);
    } finally {
      // Failed for good (a corrupt file is not better next time) or done.
      this.#clearUnfinished.run(key);
    }
    if (spec.listsPoolFiles) {
      this.#roots = undefined; // a listing may have come under a new root
      this.trust.onListing?.();
    }
    this.log.info("index.ingested", {
      key: name,
      kind: result.kind,
      entries: result.entries,
      ...(result.reused ? { reused: true } : {}),
      waited_ms: result.waitedMs,
      ms: Math.round(performance.now() - started - (result.waitedMs ?? 0)),
    });
    return result;
  }
}
