/**
 * What a failed start means, in one line that names the key, address,
 * port or path and what to do: a start-up failure is a setting or the
 * machine's state, never a reason for a stack trace.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import { TrustedRootsError } from "../fetch/mod.ts";

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
  if (error instanceof TrustedRootsError) return new StartupError(error.message);
  const path = pathFailure(error, config);
  if (path) return path;
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

/** Which setting a path belongs to: the state or the cache directory, or one inside them. */
function settingOf(path: string, config: Config): string | undefined {
  const under = (dir: string) => path === dir || path.startsWith(dir.replace(/\/*$/, "/"));
  if (under(config.state.directory)) return "state.directory";
  if (under(config.cache.directory)) return "cache.directory";
  return undefined;
}

/**
 * A directory the daemon must create or write that it cannot: on a
 * read-only file system, or outside what the permissions it was started
 * with cover (Deno's NotCapable, whose own advice, --allow-all, is wrong
 * for a daemon).
 */
function pathFailure(error: unknown, config: Config): StartupError | undefined {
  const text = (error as Error)?.message ?? String(error);
  const denied = error instanceof Deno.errors.NotCapable &&
    /Requires (\w+) access to "([^"]+)"/.exec(text);
  if (denied) {
    const [, access, path] = denied;
    const setting = settingOf(path, config);
    return new StartupError(
      `cannot ${access} ${path}${setting ? ` (${setting})` : ""}: the permissions apt-dht was ` +
        `started with do not cover it; add it to --allow-${access} or choose a path they cover`,
    );
  }
  const readOnly = (error as { code?: string })?.code === "EROFS" || /os error 30\b/.test(text)
    ? /'([^']+)'\s*$/.exec(text)
    : null;
  if (readOnly) {
    const path = readOnly[1];
    const setting = settingOf(path, config);
    return new StartupError(
      `cannot create ${path}${setting ? ` (${setting})` : ""}: it is on a read-only file ` +
        `system; choose a writable place${
          setting ? ` for ${setting}` : ""
        } or remount it read-write`,
    );
  }
  return undefined;
}
