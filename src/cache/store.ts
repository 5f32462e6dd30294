/**
 * The cache directory: `<cache>/<site>/<path>`, browsable like a mirror, and
 * its records in the database (one file per table beside this one). Files enter only through {@link CacheStore.commit}
 * (temp file, fsync, rename), after their content was checked.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "../log/mod.ts";
import { FileRecords, type FileRow, type FileValues } from "./file_records.ts";
import { type HashFailure, HashFailures } from "./hash_failures.ts";
import { PieceLists } from "./piece_lists.ts";
import { type SharedFile, SharedFiles } from "./shared_files.ts";

export type { HashFailure } from "./hash_failures.ts";
export type { SharedFile } from "./shared_files.ts";

/** The directory under the cache root that holds downloads in progress. */
export const PARTIAL_DIR = ".partial";

/** A committed file, as recorded: its values, and where it is. */
export interface CachedFile extends FileValues {
  readonly key: string;
  readonly path: string;
}

/** A cached file opened for reading; whoever receives it closes `file`. */
export interface OpenCachedFile extends CachedFile {
  readonly file: Deno.FsFile;
  /** A file from a shared directory, outside the cache tree (never linked or removed). */
  readonly shared?: true;
}

/** Validators and provenance recorded with a commit. */
export interface CommitMeta {
  readonly sha256: string;
  /** Whether peers may be told we have it (its content matched a hash from the archive's indexes). */
  readonly announce?: boolean;
  /** The bencoded piece list, for files large enough to be fetched in pieces. */
  readonly pieceList?: Uint8Array;
  readonly etag?: string;
  readonly lastModified?: string;
}

/** A temp file for one download attempt, under `<cache>/.partial/`. */
export interface PartialFile {
  readonly path: string;
  readonly file: Deno.FsFile;
}

/** How stale a file's recorded last use may get before a hit writes it. */
const USE_RESOLUTION_MS = 10 * 60_000;

/** How many hash failures the status page shows. */
const RECENT_HASH_FAILURES = 10;

/** The cache tree and its records. */
export class CacheStore {
  readonly #files: FileRecords;
  readonly #shared: SharedFiles;
  readonly #pieces: PieceLists;
  readonly #failures: HashFailures;
  /** When each key was last opened, this run: files in use are never evicted. */
  readonly #lastOpened = new Map<string, number>();
  #serial = 0;

  constructor(
    readonly root: string,
    db: DatabaseSync,
    private readonly log: Logger,
    private readonly now = Date.now,
  ) {
    this.#files = new FileRecords(db);
    this.#shared = new SharedFiles(db);
    this.#pieces = new PieceLists(db);
    this.#failures = new HashFailures(db);
  }

  /** Creates the tree and removes downloads a previous run left unfinished. */
  async init(): Promise<void> {
    await Deno.mkdir(this.root, { recursive: true });
    const partial = `${this.root}/${PARTIAL_DIR}`;
    await Deno.remove(partial, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await Deno.mkdir(partial, { recursive: true });
  }

  /** The on-disk path of a key (keys are validated `<site>/<path>` strings). */
  pathOf(key: string): string {
    return `${this.root}/${key}`;
  }

  /**
   * Opens the cached file of `key` if it is still there with the recorded
   * size and mtime (checked on the open file, so it cannot change between
   * check and read); a record whose file vanished or changed is dropped.
   * The caller owns the returned handle.
   */
  open(key: string): OpenCachedFile | undefined {
    const row = this.#files.get(key);
    if (!row) return undefined;
    const path = this.pathOf(key);
    let file: Deno.FsFile;
    // Synchronous on purpose: opening and stat-ing a local, recently used file
    // takes ~4 µs, while each async file op costs ~30 µs of thread-pool
    // dispatch; on a cache hit that is most of the request's cost.
    try {
      file = Deno.openSync(path, { read: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.log.warn("cache.missing_on_disk", { key });
      this.#files.delete(key);
      return undefined;
    }
    const stat = file.statSync();
    if (stat.isFile && stat.size === row.size && (stat.mtime?.getTime() ?? 0) === row.mtime) {
      const now = this.now();
      this.#lastOpened.set(key, now);
      // The last use, for eviction: written at most every few minutes per file, not per hit.
      if (now - row.used_at > USE_RESOLUTION_MS) this.#files.markUsed(key, now);
      return this.#fromRow(row, file);
    }
    file.close();
    this.log.warn("cache.changed_on_disk", { key, size: stat.size, recorded: row.size });
    this.#files.delete(key);
    return undefined;
  }

  /** A fresh temp file for a download attempt. */
  async createPartial(): Promise<PartialFile> {
    const path = `${this.root}/${PARTIAL_DIR}/${Date.now().toString(36)}-${++this.#serial}-${
      crypto.randomUUID().slice(0, 8)
    }`;
    const file = await Deno.open(path, { read: true, write: true, createNew: true });
    return { path, file };
  }

  /**
   * Moves a complete, verified temp file into place and records it. The
   * file is fsynced first so a crash never leaves a torn file under a
   * committed name.
   */
  async commit(partial: PartialFile, key: string, meta: CommitMeta): Promise<CachedFile> {
    await partial.file.sync();
    const path = this.pathOf(key);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.rename(partial.path, path);
    const stat = await Deno.stat(path);
    const record: CachedFile = {
      key,
      path,
      size: stat.size,
      mtime: stat.mtime?.getTime() ?? 0,
      sha256: meta.sha256,
      etag: meta.etag,
      lastModified: meta.lastModified,
      checkedAt: this.now(),
      announce: meta.announce ?? false,
    };
    this.#lastOpened.set(key, record.checkedAt); // just fetched: apt is reading it now
    this.#files.put(key, record);
    if (meta.pieceList) this.#pieces.put(meta.sha256, meta.pieceList);
    return record;
  }

  /** The key (hex SHA-1) of the piece list of the file with this SHA-256, if it has one. */
  pieceListKey(sha256: string): string | undefined {
    return this.#pieces.keyOf(sha256.toLowerCase());
  }

  /** A stored piece list by its key. */
  pieceList(sha1: string): Uint8Array<ArrayBuffer> | undefined {
    return this.#pieces.get(sha1.toLowerCase());
  }

  /** Opens a cached file by the SHA-256 of its content (peers ask by hash, never by path). */
  openBySha256(sha256: string): OpenCachedFile | undefined {
    const key = this.#files.keyOf(sha256.toLowerCase());
    return (key ? this.open(key) : undefined) ?? this.#openShared(sha256.toLowerCase());
  }

  /**
   * True when some record (a cached key or a shared file) holds content
   * `sha256`. Asks the records only: opening would drop a twin whose mtime
   * moved before the start-up scan has rehashed it.
   */
  holdsContent(sha256: string): boolean {
    const hash = sha256.toLowerCase();
    return this.#files.keyOf(hash) !== undefined || this.#shared.withSha256(hash).length > 0;
  }

  /**
   * Opens a file peers may have by its SHA-256: a cached file that may be
   * announced (verified against a trusted index), or a shared file whose
   * hash `trusted` knows. Anything else (an InRelease, a file no index
   * lists, one proxied from a private host) is not there for strangers.
   */
  openShareable(sha256: string, trusted: (sha256: string) => boolean): OpenCachedFile | undefined {
    const hash = sha256.toLowerCase();
    const key = this.#files.announcedKeyOf(hash);
    const cached = key ? this.open(key) : undefined;
    if (cached) return cached;
    // Trust is asked last: it reads the archive index, and a stranger may ask for any hash.
    const shared = this.#shared.withSha256(hash);
    return shared.length > 0 && trusted(hash) ? this.#openShared(hash, shared) : undefined;
  }

  /** A shared file (extra_directories) with this content, if it is still as hashed. */
  #openShared(sha256: string, rows = this.#shared.withSha256(sha256)): OpenCachedFile | undefined {
    for (const row of rows) {
      let file: Deno.FsFile;
      try {
        file = Deno.openSync(row.path, { read: true });
      } catch {
        continue; // gone: the next scan forgets it
      }
      const stat = file.statSync();
      if (stat.size === row.size && (stat.mtime?.getTime() ?? 0) === row.mtime) {
        return {
          key: row.path,
          path: row.path,
          size: row.size,
          mtime: row.mtime,
          sha256: row.sha256,
          checkedAt: row.mtime,
          announce: false,
          shared: true,
          file,
        };
      }
      file.close();
    }
    return undefined;
  }

  /** Every shared file as last hashed. */
  /** The shared files with this content, where they lie. */
  sharedPathsOf(sha256: string): string[] {
    return this.#shared.withSha256(sha256).map((file) => file.path);
  }

  sharedFiles(): SharedFile[] {
    return this.#shared.all();
  }

  /** Records a shared file's hash (its size and mtime say when to hash it again). */
  recordShared(file: SharedFile): void {
    this.#shared.put(file);
  }

  /** Forgets a shared file that is gone or no longer shared. */
  forgetShared(path: string): void {
    this.#shared.delete(path);
  }

  /**
   * Records `file` under another key as well, as a hard link (same content,
   * no copy), e.g. a by-hash URL and the canonical name of one index.
   */
  async linkAs(file: CachedFile, key: string): Promise<void> {
    const path = this.pathOf(key);
    if (path === file.path) return;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.remove(path).catch(() => {});
    await Deno.link(file.path, path);
    this.#files.put(key, file);
  }

  /** Files in the cache and their bytes. */
  stats(): { files: number; bytes: number } {
    return this.#files.totals();
  }

  /** SHA-256 of every file that may be announced to peers. */
  announceable(): string[] {
    return this.#files.announceable();
  }

  /** Records that the mirror confirmed the cached copy (a 304). */
  markChecked(key: string): void {
    this.#files.markChecked(key, this.now());
  }

  /** Removes a file and its record (e.g. the mirror now answers 404). */
  async remove(key: string): Promise<void> {
    this.#files.delete(key);
    await Deno.remove(this.pathOf(key)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  /** Every record, least recently used first (for the scan and eviction). */
  records(): (CachedFile & { usedAt: number })[] {
    return this.#files.all().map((row) => ({ ...this.#fromRow(row), usedAt: row.used_at }));
  }

  /** A record as the rest of the daemon sees it, with its open file if given (one object per hit). */
  #fromRow(row: FileRow): CachedFile;
  #fromRow(row: FileRow, file: Deno.FsFile): OpenCachedFile;
  #fromRow(row: FileRow, file?: Deno.FsFile): CachedFile & { readonly file?: Deno.FsFile } {
    return {
      file,
      key: row.path,
      path: this.pathOf(row.path),
      size: row.size,
      mtime: row.mtime,
      sha256: row.sha256,
      etag: row.etag ?? undefined,
      lastModified: row.last_modified ?? undefined,
      checkedAt: row.checked_at,
      announce: row.announce === 1,
    };
  }

  /** Whether `key` is recorded (for the scan's orphan check). */
  has(key: string): boolean {
    return this.#files.get(key) !== undefined;
  }

  /** Whether `key` was opened within `ms`: it may be being served, so it stays. */
  openedWithin(key: string, ms: number): boolean {
    const at = this.#lastOpened.get(key);
    return at !== undefined && this.now() - at < ms;
  }

  /** The file's content was rehashed and is unchanged: only its mtime moved. */
  recordMtime(key: string, mtime: number): void {
    this.#files.setMtime(key, mtime);
  }

  /** Keeps a record of content that failed its hash, with where it came from. */
  recordHashFailure(key: string, source: string, reason: string): void {
    this.#failures.record({ at: this.now(), path: key, source, reason });
  }

  /** The last few hash failures, newest first (for the status page). */
  recentHashFailures(limit = RECENT_HASH_FAILURES): HashFailure[] {
    return this.#failures.recent(limit);
  }
}
