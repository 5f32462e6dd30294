/**
 * Errors of the state database.
 *
 * @module
 */

/** The database was written by a newer apt-dht: its schema is unknown here, so it is not touched. */
export class SchemaTooNewError extends Error {
  override readonly name = "SchemaTooNewError";
  constructor(readonly found: number, readonly known: number) {
    super(
      `database schema version ${found} is newer than this apt-dht knows (${known}); ` +
        "upgrade apt-dht or use another state directory",
    );
  }
}
