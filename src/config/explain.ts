/**
 * `apt-dht config`: the effective configuration as TOML, each value with
 * where it came from (built in, a file and its line, or the command line),
 * so an administrator sees what the daemon will run with and why. The text
 * is valid TOML: given back as a file, it gives the same configuration.
 *
 * @module
 */

import { flagOf } from "./cli.ts";
import { lineOf, type LoadedLayer } from "./load.ts";
import type { MirrorAlias } from "./mirrors.ts";
import type { Config } from "./schema.ts";

/** `maxConnectionsPerClient` as the file spells it: `max_connections_per_client`. */
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Every field of every section but the mirrors (a map of aliases): its
 * section, its name as the file spells it, its dotted key and its value.
 */
export function* configFields(
  config: Config,
): Generator<{ section: string; name: string; key: string; value: unknown }> {
  for (const [section, values] of Object.entries(config)) {
    if (values instanceof Map) continue;
    for (const [field, value] of Object.entries(values as Record<string, unknown>)) {
      const name = snake(field);
      yield { section, name, key: `${section}.${name}`, value };
    }
  }
}

/** A value in TOML: strings quoted, lists bracketed, CIDR blocks as written. */
function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null && "text" in value) {
    return JSON.stringify((value as { text: string }).text);
  }
  return String(value);
}

/** A bare TOML key, or a quoted one. */
const tomlKey = (name: string) => /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);

/** Where `key` (or mirror alias `mirrors.NAME`) was last set, or "default". */
function originOf(key: string, layers: readonly LoadedLayer[], isSet: (l: LoadedLayer) => boolean) {
  const layer = layers.findLast(isSet);
  if (!layer) return "default";
  if (layer.source === "command line") return `command line (${flagOf(key)})`;
  const line = layer.lines && lineOf(layer.lines, key);
  return line ? `${layer.source}:${line}` : layer.source;
}

/** The configuration as TOML, a comment on each value naming where it came from. */
export function explainConfig(config: Config, layers: readonly LoadedLayer[]): string {
  const out: string[] = [];
  let current = "";
  for (const { section, name, key, value } of configFields(config)) {
    if (section !== current) out.push("", `[${(current = section)}]`);
    const origin = originOf(key, layers, (l) => l.layer.values.has(key));
    // Unset has no TOML spelling: the line stays a comment (max_connections: from the fd limit).
    out.push(
      value === undefined
        ? `# ${name} is not set: the daemon works it out  # ${origin}`
        : `${name} = ${tomlValue(value)}  # ${origin}`,
    );
  }
  // The mirrors, last.
  for (const [name, alias] of config.mirrors as ReadonlyMap<string, MirrorAlias>) {
    const key = `mirrors.${name}`;
    const origin = originOf(key, layers, (l) => l.layer.mirrors.has(name));
    out.push(
      "",
      `[mirrors.${tomlKey(name)}]  # ${origin}`,
      `upstreams = ${tomlValue(alias.upstreams)}`,
    );
  }
  return out.join("\n").trimStart() + "\n";
}
