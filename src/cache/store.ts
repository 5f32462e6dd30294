/**
 * The cache directory: `<cache>/<site>/<path>`, browsable like a mirror, and
 * its table in the database. Files enter only through {@link CacheStore.commit}
 * (temp file, fsync, rename), after their content was checked.
 *
 * @module
 */

import { pieceListName } from "../hash/mod.ts";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Logger } from "../log/mod.ts";

/** The directory under the cache root that holds downloads in progress. */
export const PARTIAL_DIR = ".partial";

/** A committed file, as recorded. */
export interface CachedFile {
  readonly key: string;
  readonly path: string;
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

/** A cached file opened for reading; whoever receives it closes `file`. */
export interface OpenCachedFile extends CachedFile {
  readonly file: Deno.FsFile;
  /** A file from a shared directory, outside the cache tree (never linked or removed). */
  readonly shared?: true;
}

/** A file of a shared directory (e.g. /var/cache/apt/archives), hashed where it lies. */
export interface SharedFile {
  readonly path: string;
  readonly size: number;
  readonly mtime: number;
  readonly sha256: string;
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

type FileRow = {
  path: string;
  used_at: number;
  size: number;
  mtime: number;
  sha256: string;
  etag: string | null;
  last_modified: string | null;
  checked_at: number;
  announce: number;
};

/** The cache tree and its records. */
export class CacheStore {
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #checked: StatementSync;
  readonly #delete: StatementSync;
  readonly #failure: StatementSync;
  readonly #bySha256: StatementSync;
  readonly #putPieces: StatementSync;
  readonly #piecesBySha1: StatementSync;
  readonly #piecesOfFile: StatementSync;
  readonly #announced: StatementSync;
  readonly #totals: StatementSync;
  readonly #sharedBySha256: StatementSync;
  readonly #putShared: StatementSync;
  readonly #deleteShared: StatementSync;
  readonly #used: StatementSync;
  readonly #mtime: StatementSync;
  /** When each key was last opened, this run: files in use are never evicted. */
  readonly #lastOpened = new Map<string, number>();
  #serial = 0;

  constructor(
    readonly root: string,
    private readonly db: DatabaseSync,
    private readonly log: Logger,
    private readonly now = Date.now,
  ) {
    this.#sharedBySha256 = db.prepare("SELECT * FROM shared_files WHERE sha256 = ?");
    this.#putShared = db.prepare(
      "INSERT OR REPLACE INTO shared_files (path, size, mtime, sha256) VALUES (?, ?, ?, ?)",
    );
    this.#deleteShared = db.prepare("DELETE FROM shared_files WHERE path = ?");
    this.#putPieces = db.prepare(
      "INSERT OR REPLACE INTO piece_lists (sha1, file_sha256, list) VALUES (?, ?, ?)",
    );
    this.#piecesBySha1 = db.prepare("SELECT list FROM piece_lists WHERE sha1 = ?");
    this.#piecesOfFile = db.prepare("SELECT sha1 FROM piece_lists WHERE file_sha256 = ? LIMIT 1");
    this.#get = db.prepare("SELECT * FROM files WHERE path = ?");
    this.#bySha256 = db.prepare(
      "SELECT path FROM files WHERE sha256 = ? ORDER BY checked_at DESC LIMIT 1",
    );
    this.#announced = db.prepare("SELECT DISTINCT sha256 FROM files WHERE announce = 1");
    this.#totals = db.prepare(
      "SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM files",
    );
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
    this.#failure = db.prepare(
      "INSERT INTO hash_failures (at, path, source, reason) VALUES (?, ?, ?, ?)",
    );
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
    const row = this.#get.get(key) as FileRow | undefined;
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
      this.#delete.run(key);
      return undefined;
    }
    const stat = file.statSync();
    if (stat.isFile && stat.size === row.size && (stat.mtime?.getTime() ?? 0) === row.mtime) {
      const now = this.now();
      this.#lastOpened.set(key, now);
      // The last use, for eviction: written at most every few minutes per file, not per hit.
      if (now - row.used_at > USE_RESOLUTION_MS) this.#used.run(now, key);
      return { ...this.#fromRow(row), file };
    }
    file.close();
    this.log.warn("cache.changed_on_disk", { key, size: stat.size, recorded: row.size });
    this.#delete.run(key);
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
    this.#put.run(
      key,
      record.size,
      record.mtime,
      record.sha256,
      record.etag ?? null,
      record.lastModified ?? null,
      record.checkedAt,
      meta.announce ? 1 : 0,
    );
    if (meta.pieceList) {
      this.#putPieces.run(pieceListName(meta.pieceList), meta.sha256, meta.pieceList);
    }
    return record;
  }

  /** The key (hex SHA-1) of the piece list of the file with this SHA-256, if it has one. */
  pieceListKey(sha256: string): string | undefined {
    return (this.#piecesOfFile.get(sha256.toLowerCase()) as { sha1: string } | undefined)?.sha1;
  }

  /** A stored piece list by its key. */
  pieceList(sha1: string): Uint8Array<ArrayBuffer> | undefined {
    const row = this.#piecesBySha1.get(sha1.toLowerCase()) as { list: Uint8Array } | undefined;
    return row ? new Uint8Array(row.list) : undefined;
  }

  /** Opens a cached file by the SHA-256 of its content (peers ask by hash, never by path). */
  openBySha256(sha256: string): OpenCachedFile | undefined {
    const row = this.#bySha256.get(sha256.toLowerCase()) as { path: string } | undefined;
    return (row ? this.open(row.path) : undefined) ?? this.#openShared(sha256.toLowerCase());
  }

  /** A shared file (extra_directories) with this content, if it is still as hashed. */
  #openShared(sha256: string): OpenCachedFile | undefined {
    for (const row of this.#sharedBySha256.all(sha256) as unknown as SharedFile[]) {
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
  sharedFiles(): SharedFile[] {
    return this.db.prepare("SELECT * FROM shared_files").all() as unknown as SharedFile[];
  }

  /** Records a shared file's hash (its size and mtime say when to hash it again). */
  recordShared(file: SharedFile): void {
    this.#putShared.run(file.path, file.size, file.mtime, file.sha256);
  }

  /** Forgets a shared file that is gone or no longer shared. */
  forgetShared(path: string): void {
    this.#deleteShared.run(path);
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

  /** Files in the cache and their bytes. */
  stats(): { files: number; bytes: number } {
    const row = this.#totals.get() as { files: number; bytes: number };
    return { files: Number(row.files), bytes: Number(row.bytes) };
  }

  /** SHA-256 of every file that may be announced to peers. */
  announceable(): string[] {
    return (this.#announced.all() as { sha256: string }[]).map((row) => row.sha256);
  }

  /** Records that the mirror confirmed the cached copy (a 304). */
  markChecked(key: string): void {
    this.#checked.run(this.now(), key);
  }

  /** Removes a file and its record (e.g. the mirror now answers 404). */
  async remove(key: string): Promise<void> {
    this.#delete.run(key);
    await Deno.remove(this.pathOf(key)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  /** Every record, least recently used first (for the scan and eviction). */
  records(): (CachedFile & { usedAt: number })[] {
    const rows = this.db.prepare("SELECT * FROM files ORDER BY used_at, path").all() as FileRow[];
    return rows.map((row) => ({ ...this.#fromRow(row), usedAt: row.used_at }));
  }

  /** A record as the rest of the daemon sees it. */
  #fromRow(row: FileRow): CachedFile {
    return {
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
    return this.#get.get(key) !== undefined;
  }

  /** Whether `key` was opened within `ms`: it may be being served, so it stays. */
  openedWithin(key: string, ms: number): boolean {
    const at = this.#lastOpened.get(key);
    return at !== undefined && this.now() - at < ms;
  }

  /** The file's content was rehashed and is unchanged: only its mtime moved. */
  recordMtime(key: string, mtime: number): void {
    this.#mtime.run(mtime, key);
  }

  /** Keeps a record of content that failed its hash, with where it came from. */
  recordHashFailure(key: string, source: string, reason: string): void {
    this.#failure.run(this.now(), key, source, reason);
  }
}
