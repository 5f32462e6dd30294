/**
 * The statements each part ran at start before the schema was versioned
 * (copied from the code as it was), to make pre-versioned databases with.
 * Never update these: they are what old databases on disk look like.
 *
 * @module
 */

/** Old `CREATE` statements by table, as each part ran them. */
export const OLD_TABLES: Record<string, readonly string[]> = {
  // files as made before eviction: no used_at (the store then added it by probing).
  files: [
    `CREATE TABLE IF NOT EXISTS files (
      path TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      mtime INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      etag TEXT,
      last_modified TEXT,
      checked_at INTEGER NOT NULL,
      announce INTEGER NOT NULL DEFAULT 1
    ) WITHOUT ROWID`,
    "CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256)",
  ],
  shared_files: [
    `CREATE TABLE IF NOT EXISTS shared_files (
      path TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      mtime INTEGER NOT NULL,
      sha256 TEXT NOT NULL
    ) WITHOUT ROWID`,
    "CREATE INDEX IF NOT EXISTS shared_files_sha256 ON shared_files (sha256)",
  ],
  hash_failures: [
    `CREATE TABLE IF NOT EXISTS hash_failures (
      at INTEGER NOT NULL,
      path TEXT NOT NULL,
      source TEXT NOT NULL,
      reason TEXT NOT NULL
    )`,
  ],
  piece_lists: [
    `CREATE TABLE IF NOT EXISTS piece_lists (
      sha1 TEXT PRIMARY KEY,
      file_sha256 TEXT NOT NULL,
      list BLOB NOT NULL
    ) WITHOUT ROWID`,
    "CREATE INDEX IF NOT EXISTS piece_lists_file ON piece_lists (file_sha256)",
  ],
  // index_entries as made before SHA512 was kept: no sha512 column.
  index_entries: [
    `CREATE TABLE IF NOT EXISTS index_entries (
      url TEXT PRIMARY KEY,
      size INTEGER,
      sha256 TEXT,
      sha1 TEXT,
      md5 TEXT,
      name TEXT,
      listed_by TEXT NOT NULL,
      seen_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
  ],
  listings: [
    `CREATE TABLE IF NOT EXISTS listings (
      listed_by TEXT PRIMARY KEY,
      ingested_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
  ],
  listing_versions: [
    `CREATE TABLE IF NOT EXISTS listing_versions (
      listing TEXT PRIMARY KEY,
      sha256 TEXT NOT NULL,
      size INTEGER NOT NULL,
      source_key TEXT NOT NULL,
      source_name TEXT NOT NULL,
      seen_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
  ],
  signed_releases: [
    `CREATE TABLE IF NOT EXISTS signed_releases (
      dht_key TEXT PRIMARY KEY,
      release TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      checked_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
  ],
  release_trust: [
    `CREATE TABLE IF NOT EXISTS release_trust (
      release TEXT PRIMARY KEY,
      trusted INTEGER NOT NULL,
      signer TEXT,
      reason TEXT,
      checked_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
  ],
  peers: [
    `CREATE TABLE IF NOT EXISTS peers (
      address TEXT NOT NULL,
      port INTEGER NOT NULL,
      bytes_down INTEGER NOT NULL,
      bytes_up INTEGER NOT NULL,
      hash_errors TEXT NOT NULL,
      failures INTEGER NOT NULL,
      speed REAL NOT NULL,
      lag_ms REAL NOT NULL,
      PRIMARY KEY (address, port)
    ) WITHOUT ROWID`,
  ],
  counters: [
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
  ],
  dht_state: [
    "CREATE TABLE IF NOT EXISTS dht_state (name TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID",
  ],
};

/** The probes that added columns to old tables, as the store and the index ran them. */
export const OLD_COLUMN_ADDITIONS: Record<string, readonly string[]> = {
  files: [
    "ALTER TABLE files ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0",
    "UPDATE files SET used_at = checked_at",
  ],
  index_entries: ["ALTER TABLE index_entries ADD COLUMN sha512 TEXT"],
};

/** One row per old table, in the old columns. */
export const OLD_ROWS: Record<string, string> = {
  files: `INSERT INTO files (path, size, mtime, sha256, etag, last_modified, checked_at, announce)
    VALUES ('deb.example/pool/a.deb', 3, 1000, 'aa', '"e"', NULL, 5000, 1)`,
  shared_files: "INSERT INTO shared_files VALUES ('/var/cache/apt/archives/b.deb', 4, 2000, 'bb')",
  hash_failures:
    "INSERT INTO hash_failures VALUES (7000, 'deb.example/pool/a.deb', 'mirror', 'bad')",
  piece_lists: "INSERT INTO piece_lists VALUES ('cc', 'aa', x'0102')",
  index_entries: `INSERT INTO index_entries (url, size, sha256, sha1, md5, name, listed_by, seen_at)
    VALUES ('deb.example/pool/a.deb', 3, 'aa', NULL, NULL, NULL, 'deb.example/dists/x/main/binary-amd64/Packages', 6000)`,
  listings: "INSERT INTO listings VALUES ('deb.example/dists/x/InRelease', 6000)",
  listing_versions:
    "INSERT INTO listing_versions VALUES ('deb.example/dists/x/main/binary-amd64/Packages', 'dd', 10, 'k', 'n', 6000)",
  signed_releases:
    "INSERT INTO signed_releases VALUES ('ee', 'deb.example/dists/x/Release', 'ff', 6000)",
  release_trust:
    "INSERT INTO release_trust VALUES ('deb.example/dists/x/InRelease', 1, 'abcd', NULL, 6000)",
  peers: "INSERT INTO peers VALUES ('192.0.2.1', 9977, 10, 20, '[]', 0, 1.5, 30)",
  counters: "INSERT INTO counters VALUES ('bytes.peer', 42)",
  dht_state: "INSERT INTO dht_state VALUES ('dht', '{}')",
};
