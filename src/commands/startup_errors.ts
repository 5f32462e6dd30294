/**
 * What a failed start means, in one line that names the key, address,
 * port or path and what to do: a start-up failure is a setting or the
 * machine's state, never a reason for a stack trace.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";

/** A start that failed for a reason the admin can mend; the daemon exits 2 with `message`. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** The StartupError `error` stands for, or undefined when it is not a known start-up failure. */
export function explainStartupError(error: unknown, config: Config): StartupError | undefined {
  const { listen, port } = config.server;
  const where = `${listen.includes(":") ? `[${listen}]` : listen}:${port}`;
  const text = (error as Error)?.message ?? String(error);
  if (error instanceof Deno.errors.AddrInUse) {
    return new StartupError(
      `cannot listen on ${where}: the port is in use (another apt-dht, or another proxy?); ` +
        `stop it or choose another server.port`,
    );
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return new StartupError(
      `cannot listen on ${where}: ${listen} is not an address of this machine (server.listen)`,
    );
  }
  if (/readonly database|unable to open database|disk I\/O error/i.test(text)) {
    return new StartupError(
      `the state database in ${config.state.directory} cannot be opened for writing (${text}); ` +
        `check that directory's owner (the apt-dht user for the service) or set state.directory`,
    );
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new StartupError(
      `${text}: check the owner of ${config.cache.directory} and ${config.state.directory} ` +
        `(cache.directory, state.directory)`,
    );
  }
  return undefined;
}
