/**
 * Brings a database's schema up to date: the schema version is kept in
 * `PRAGMA user_version`, and each migration not yet applied runs once, in
 * its own transaction, in order.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { SchemaTooNewError } from "./errors.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import { transaction } from "./transaction.ts";

/** The schema version a database is at (0: made before versions were kept, or empty). */
export function schemaVersion(db: DatabaseSync): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

/**
 * Applies the migrations after the database's version; returns the
 * versions applied. Throws {@link SchemaTooNewError} for a database a newer
 * release has migrated further.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.length;
  const applied: number[] = [];
  for (let version = schemaVersion(db) + 1; version <= latest; version++) {
    transaction(db, () => {
      // Read again inside the transaction: another process may have migrated meanwhile.
      const current = schemaVersion(db);
      if (current >= version) return;
      migrations[version - 1].up(db);
      db.exec(`PRAGMA user_version = ${version}`);
      applied.push(version);
    });
  }
  const found = schemaVersion(db);
  if (found > latest) throw new SchemaTooNewError(found, latest);
  return applied;
}
