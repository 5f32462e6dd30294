/**
 * The schema of the state database, as numbered steps. A step, once
 * released, never changes: a new need is a new step at the end. Each runs
 * inside a transaction and may assume every step before it ran.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** One step of the schema. */
export interface Migration {
  /** What the step is for, for the next reader. */
  readonly why: string;
  readonly up: (db: DatabaseSync) => void;
}

/** Whether `table` has a column named `column`. */
function hasColumn(db: DatabaseSync, table: string, column: string): boolean {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  return columns.some((c) => c.name === column);
}

/**
 * Version 1: the schema as it was when versions started to be kept. Before
 * that each part created its own tables when it started and probed for
 * columns added later, so a database at version 0 may hold any subset of
 * these tables, with or without `files.used_at` and `index_entries.sha512`.
 * Everything here is therefore conditional, and existing rows stay.
 */
function baseline(db: DatabaseSync): void {
  // The cache's files (cache/).
  db.exec(`CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    checked_at INTEGER NOT NULL,
    announce INTEGER NOT NULL DEFAULT 1,
    used_at INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID`);
  if (!hasColumn(db, "files", "used_at")) {
    // Made before eviction: a file's last use starts as its last check.
    db.exec("ALTER TABLE files ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0");
    db.exec("UPDATE files SET used_at = checked_at");
  }
  db.exec("CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256)");
  // Files shared from other directories (extra_directories), hashed where they are.
  db.exec(`CREATE TABLE IF NOT EXISTS shared_files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    sha256 TEXT NOT NULL
  ) WITHOUT ROWID`);
  db.exec("CREATE INDEX IF NOT EXISTS shared_files_sha256 ON shared_files (sha256)");
  db.exec(`CREATE TABLE IF NOT EXISTS hash_failures (
    at INTEGER NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL
  )`);
  db.exec(`CREATE TABLE IF NOT EXISTS piece_lists (
    sha1 TEXT PRIMARY KEY,
    file_sha256 TEXT NOT NULL,
    list BLOB NOT NULL
  ) WITHOUT ROWID`);
  db.exec("CREATE INDEX IF NOT EXISTS piece_lists_file ON piece_lists (file_sha256)");

  // The archive index (apt/).
  db.exec(`CREATE TABLE IF NOT EXISTS index_entries (
    url TEXT PRIMARY KEY,
    size INTEGER,
    sha256 TEXT,
    sha1 TEXT,
    md5 TEXT,
    name TEXT,
    sha512 TEXT,
    listed_by TEXT NOT NULL,
    seen_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  if (!hasColumn(db, "index_entries", "sha512")) {
    db.exec("ALTER TABLE index_entries ADD COLUMN sha512 TEXT"); // made before SHA512 was kept
  }
  // When each index (by the name entries give as listed_by) was last read: an entry older than
  // that was dropped from the index's newest version.
  db.exec(`CREATE TABLE IF NOT EXISTS listings (
    listed_by TEXT PRIMARY KEY,
    ingested_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  db.exec(`CREATE TABLE IF NOT EXISTS listing_versions (
    listing TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    source_key TEXT NOT NULL,
    source_name TEXT NOT NULL,
    seen_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  db.exec(`CREATE TABLE IF NOT EXISTS signed_releases (
    dht_key TEXT PRIMARY KEY,
    release TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    checked_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  db.exec(`CREATE TABLE IF NOT EXISTS release_trust (
    release TEXT PRIMARY KEY,
    trusted INTEGER NOT NULL,
    signer TEXT,
    reason TEXT,
    checked_at INTEGER NOT NULL
  ) WITHOUT ROWID`);

  // Peers (peers/), counters (stats/), the DHT node (dht/).
  db.exec(`CREATE TABLE IF NOT EXISTS peers (
    address TEXT NOT NULL,
    port INTEGER NOT NULL,
    bytes_down INTEGER NOT NULL,
    bytes_up INTEGER NOT NULL,
    hash_errors TEXT NOT NULL,
    failures INTEGER NOT NULL,
    speed REAL NOT NULL,
    lag_ms REAL NOT NULL,
    PRIMARY KEY (address, port)
  ) WITHOUT ROWID`);
  db.exec(
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
  );
  db.exec(
    "CREATE TABLE IF NOT EXISTS dht_state (name TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID",
  );
}

/**
 * Version 2: a piece list goes with the last file that has its content
 * (removed, evicted, dropped by the scan, or replaced by other content), so
 * the table no longer grows with every file ever cached. In the schema, not
 * the store, so no path that deletes a file can forget it. Lists left behind
 * by earlier versions go now.
 */
function prunePieceLists(db: DatabaseSync): void {
  const prune = `DELETE FROM piece_lists WHERE file_sha256 = old.sha256
    AND NOT EXISTS (SELECT 1 FROM files WHERE sha256 = old.sha256);`;
  db.exec(`CREATE TRIGGER files_deleted_prune_piece_lists AFTER DELETE ON files
    BEGIN ${prune} END`);
  db.exec(`CREATE TRIGGER files_replaced_prune_piece_lists AFTER UPDATE OF sha256 ON files
    WHEN old.sha256 IS NOT new.sha256 BEGIN ${prune} END`);
  db.exec("DELETE FROM piece_lists WHERE file_sha256 NOT IN (SELECT sha256 FROM files)");
}

/**
 * Version 3: the indexes whose ingest has not completed. A row is written
 * before a tracked index is downloaded or read and removed once all it
 * lists is recorded, so a kill at any moment leaves a row behind and the
 * next start reads that index again from the cache.
 */
function unfinishedIngests(db: DatabaseSync): void {
  db.exec(`CREATE TABLE unfinished_ingests (
    key TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
}

/**
 * Version 4: what a Packages or Sources file lists is stored once per
 * content, not once per URL: the same bytes under several names (mirror
 * aliases, several mirrors, by-hash) are read and kept once. A listing
 * names its content and the archive root its paths are under; a pool URL
 * is found through the listings whose root it is under. Entries that a
 * newer version of a listing dropped move to index_entries, where their
 * last listing time stays for eviction. Rows earlier versions wrote to
 * index_entries stay: they are what was listed then.
 */
function listingContents(db: DatabaseSync): void {
  // sha256 names the listing file's bytes as stored; text_* its uncompressed text (for pdiffs).
  db.exec(`CREATE TABLE listing_contents (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    text_sha256 TEXT,
    text_size INTEGER,
    entries INTEGER,
    complete INTEGER NOT NULL DEFAULT 0
  )`);
  // Paths relative to the archive root; the strongest digest only, as in index_entries. Found by
  // content and path: a lookup knows the contents of the listings its URL may be under.
  db.exec(`CREATE TABLE listing_files (
    content INTEGER NOT NULL,
    path TEXT NOT NULL,
    size INTEGER,
    sha256 TEXT,
    sha512 TEXT,
    sha1 TEXT,
    md5 TEXT,
    PRIMARY KEY (content, path)
  ) WITHOUT ROWID`);
  db.exec(`CREATE TABLE listing_sources (
    listing TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    content INTEGER NOT NULL,
    seen_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  db.exec("CREATE INDEX listing_sources_root ON listing_sources (root)");
}

/** Bytes served per hour by source, for the status page's history (kept 30 days). */
function trafficHours(db: DatabaseSync): void {
  db.exec(`CREATE TABLE traffic_hours (
    hour INTEGER PRIMARY KEY,
    cache INTEGER NOT NULL,
    peer INTEGER NOT NULL,
    mirror INTEGER NOT NULL
  )`);
}

/** Every step, in order: the step at index i brings the schema to version i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  { why: "the schema when versions started; adopts unversioned databases", up: baseline },
  { why: "piece lists go with the last file of their content", up: prunePieceLists },
  { why: "an index whose ingest was cut short is read again at start", up: unfinishedIngests },
  {
    why: "a listing's entries are stored once per content, whatever its URLs",
    up: listingContents,
  },
  { why: "the status page's history of bytes by hour survives restarts", up: trafficHours },
];
