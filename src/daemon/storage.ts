/**
 * The daemon's state on disk: the sqlite database in the state directory
 * and the cache directory over it. Opened first, closed last.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { CacheStore } from "../cache/mod.ts";
import { DATABASE_FILE, openDatabase } from "../db/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Component } from "./lifecycle.ts";

/** The database and the cache. */
export class Storage implements Component {
  private constructor(
    readonly db: DatabaseSync,
    readonly cache: CacheStore,
    /** The database's file, for connections of other threads. */
    readonly databasePath: string,
  ) {}

  /** Creates the state directory if needed, opens the database, prepares the cache. */
  static async open(config: Config, log: Logger): Promise<Storage> {
    await Deno.mkdir(config.state.directory, { recursive: true });
    const databasePath = `${config.state.directory}/${DATABASE_FILE}`;
    const db = openDatabase(databasePath);
    const cache = new CacheStore(config.cache.directory, db, log);
    await cache.init();
    return new Storage(db, cache, databasePath);
  }

  /** A verified cached file's bytes by cache key, or undefined when it is not cached. */
  async readCached(key: string): Promise<Uint8Array | undefined> {
    const cached = this.cache.open(key);
    if (!cached) return undefined;
    try {
      return await Deno.readFile(cached.path);
    } finally {
      cached.file.close();
    }
  }

  stop(): void {
    this.db.close();
  }
}
