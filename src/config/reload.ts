/**
 * What a config reload (SIGHUP) may change in a running daemon: the keys
 * read per request or per run. The rest (addresses, ports, directories,
 * the DHT, timeouts of clients already built) needs a restart.
 *
 * @module
 */

import { configFields } from "./explain.ts";
import type { Config } from "./schema.ts";

/** Keys (as spelled in the config file) a running daemon takes on reload. */
export const RELOADABLE_KEYS: ReadonlySet<string> = new Set([
  "server.allowed_clients",
  "server.status_public",
  "server.max_connections",
  "server.max_connections_per_client",
  "server.max_connections_per_stranger",
  "server.header_timeout",
  "server.idle_timeout",
  "server.send_timeout",
  "server.connect_pass_through",
  "cache.index_freshness",
  "cache.max_size",
  "cache.expire_days",
  "log.level",
  "trust.apt_keyrings",
  "trust.keyrings",
  "mirrors",
]);

/** JSON of a config value (every value, CIDR blocks included, is plain data). */
const text = (value: unknown) => JSON.stringify(value);

/** The keys whose values differ between two configurations, in config-file spelling. */
export function changedKeys(before: Config, after: Config): string[] {
  const flat = (config: Config) => {
    const out = new Map<string, string>();
    for (const { key, value } of configFields(config)) out.set(key, text(value));
    out.set("mirrors", text([...config.mirrors.entries()].sort()));
    return out;
  };
  const a = flat(before);
  const b = flat(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((key) => a.get(key) !== b.get(key))
    .sort();
}
