/**
 * Loading the configuration: built-in defaults, then the system file when
 * present, then `--config FILE`, then command-line flags.
 *
 * @module
 */

import { parse as parseToml } from "smol-toml";
import { ConfigError } from "./errors.ts";
import { keyLines } from "./key_lines.ts";
import { mergeLayers } from "./merge.ts";
import { type Config, defaultConfig, type Layer, type RawLayer, validateLayer } from "./schema.ts";

/** Where the daemon looks for its system-wide file. */
export const SYSTEM_CONFIG_PATH = "/etc/apt-dht/apt-dht.toml";

/** One layer of configuration and where it came from. */
export interface LoadedLayer {
  /** A file's path, or "command line". */
  readonly source: string;
  readonly layer: Layer;
  /** For a file: the line each key is set on (key_lines.ts). */
  readonly lines?: ReadonlyMap<string, number>;
}

/** Parses and validates one TOML text; `source` names it in errors, with the line and column. */
export function parseConfigText(text: string, source: string): Layer {
  return parseConfigFile(text, source).layer;
}

function parseConfigFile(text: string, source: string): LoadedLayer {
  let raw: RawLayer;
  try {
    raw = parseToml(text) as RawLayer;
  } catch (error) {
    const message = (error instanceof Error ? error.message.split("\n")[0] : String(error))
      .replace(/^Invalid TOML document: /, "");
    // Where, as compilers say it (file:line:column), so an editor can jump there.
    const { line, column } = error as { line?: number; column?: number };
    const where = line ? `${source}:${line}:${column ?? 1}` : source;
    throw new ConfigError(where, "", `not valid TOML: ${message}`);
  }
  const lines = keyLines(text);
  try {
    return { source, layer: validateLayer(raw, source), lines };
  } catch (error) {
    if (!(error instanceof ConfigError) || !error.key) throw error;
    // A bad value: the line of its key (`server.allowed_clients[1]` is on `allowed_clients`'s).
    const line = lineOf(lines, error.key.replace(/\[\d+\]$/, ""));
    throw line ? new ConfigError(`${source}:${line}`, error.key, error.reason) : error;
  }
}

/** The line of `key`, or of the nearest table that holds it. */
export function lineOf(lines: ReadonlyMap<string, number>, key: string): number | undefined {
  for (let k = key; k; k = k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "") {
    const line = lines.get(k);
    if (line) return line;
  }
  return undefined;
}

/** Reads one config file; a missing optional file yields undefined. */
export async function readConfigFile(
  path: string,
  optional: boolean,
): Promise<LoadedLayer | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (optional && error instanceof Deno.errors.NotFound) return undefined;
    const reason = error instanceof Deno.errors.NotFound
      ? "file not found"
      : `cannot read: ${(error as Error).message}`;
    throw new ConfigError(path, "", reason);
  }
  return parseConfigFile(text, path);
}

/** What the command line contributes to the configuration. */
export interface ConfigSources {
  /** The system file, read when it exists (tests point it elsewhere). */
  readonly systemPath?: string;
  /** `--config FILE`: must exist. */
  readonly configPath?: string;
  /** Flags turned into a raw layer by the command-line parser. */
  readonly overrides?: RawLayer;
}

/** The environment that decides per-user default directories. */
export function userEnvironment(): Parameters<typeof defaultConfig>[0] {
  return {
    uid: Deno.uid(),
    home: Deno.env.get("HOME"),
    xdgCache: Deno.env.get("XDG_CACHE_HOME"),
    xdgState: Deno.env.get("XDG_STATE_HOME"),
  };
}

/** Every layer, in the order they apply: the system file, `--config`, the command line. */
async function loadLayers(sources: ConfigSources): Promise<LoadedLayer[]> {
  const layers: LoadedLayer[] = [];
  const system = await readConfigFile(sources.systemPath ?? SYSTEM_CONFIG_PATH, true);
  if (system) layers.push(system);
  if (sources.configPath) layers.push((await readConfigFile(sources.configPath, false))!);
  if (sources.overrides) {
    layers.push({
      source: "command line",
      layer: validateLayer(sources.overrides, "command line"),
    });
  }
  return layers;
}

/** The configuration and the layers it was merged from (`apt-dht config` names each value's). */
export async function loadLayered(
  sources: ConfigSources,
  env = userEnvironment(),
): Promise<{ config: Config; layers: LoadedLayer[] }> {
  const layers = await loadLayers(sources);
  return { config: mergeLayers(defaultConfig(env), layers.map((l) => l.layer)), layers };
}

/** Loads every layer in order and merges them over the defaults. */
export async function loadConfig(sources: ConfigSources, env = userEnvironment()): Promise<Config> {
  return (await loadLayered(sources, env)).config;
}
