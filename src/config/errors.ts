/**
 * The one error type of configuration: it names where the bad value came
 * from (a file or the command line) and which key it was.
 *
 * @module
 */

/** A configuration value that cannot be used; the daemon does not start. */
export class ConfigError extends Error {
  constructor(
    /** A file path, or "command line". */
    readonly source: string,
    /** The dotted key, e.g. `server.port`; empty for a whole-file problem. */
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${source}: ${key ? `${key}: ` : ""}${reason}`);
    this.name = "ConfigError";
  }
}
