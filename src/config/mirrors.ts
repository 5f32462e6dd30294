/**
 * Mirror aliases in the configuration: `[mirrors.<name>]` with the
 * upstream base URLs `/<name>/…` is fetched from.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";
import { isTable, type LayerSource, nonEmptyString, show, wrap } from "./values.ts";

/** A mirror alias: `/<name>/…` is fetched from these base URLs, in order. */
export interface MirrorAlias {
  readonly name: string;
  /** Base URLs without a trailing slash, e.g. `https://deb.debian.org/debian`. */
  readonly upstreams: readonly string[];
}

const MIRROR_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** First path segments with a meaning of their own (server/request_target.ts). */
const RESERVED_NAMES: ReadonlySet<string> = new Set(["https"]);

/** Checks an upstream base URL and returns it without a trailing slash. */
export function parseUpstreamUrl(value: unknown, key: string): string {
  let url: URL;
  try {
    url = new URL(nonEmptyString(value, key));
  } catch {
    throw new TypeError(`${key}: expected an http:// or https:// URL, got ${show(value)}`);
  }
  if (
    (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash ||
    url.username
  ) {
    throw new TypeError(
      `${key}: expected an http:// or https:// URL without query or credentials, got ${
        show(value)
      }`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

/** The `[mirrors.<name>]` tables of one layer. */
export function mirrorsOf(raw: unknown, source: LayerSource): Map<string, MirrorAlias> {
  const out = new Map<string, MirrorAlias>();
  if (!isTable(raw)) {
    throw new ConfigError(
      source,
      "mirrors",
      `expected a table of mirror aliases, got ${show(raw)}`,
    );
  }
  for (const [name, table] of Object.entries(raw)) {
    const key = `mirrors.${name}`;
    if (!MIRROR_NAME.test(name) || name.includes(".")) {
      throw new ConfigError(source, key, "alias names may use letters, digits, '-' and '_' only");
    }
    if (RESERVED_NAMES.has(name.toLowerCase())) {
      throw new ConfigError(
        source,
        key,
        `"${name}" is reserved (/https/<host>/… is the https form)`,
      );
    }
    if (!isTable(table)) {
      throw new ConfigError(source, key, `expected a table with "upstreams", got ${show(table)}`);
    }
    for (const field of Object.keys(table)) {
      if (field !== "upstreams") {
        throw new ConfigError(source, `${key}.${field}`, "unknown key (expected: upstreams)");
      }
    }
    const list = table.upstreams;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ConfigError(
        source,
        `${key}.upstreams`,
        `expected a non-empty list of URLs, got ${show(list)}`,
      );
    }
    const upstreams = list.map((item, i) =>
      wrap(source, () => parseUpstreamUrl(item, `${key}.upstreams[${i}]`))
    );
    out.set(name, { name, upstreams });
  }
  return out;
}
