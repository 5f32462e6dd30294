/**
 * Loading the configuration: built-in defaults, then the system file when
 * present, then `--config FILE`, then command-line flags.
 *
 * @module
 */

import { parse as parseToml } from "smol-toml";
import { ConfigError } from "./errors.ts";
import {
  type Config,
  defaultConfig,
  type Layer,
  mergeLayers,
  type RawLayer,
  validateLayer,
} from "./schema.ts";

/** Where the daemon looks for its system-wide file. */
export const SYSTEM_CONFIG_PATH = "/etc/apt-dht/apt-dht.toml";

/** Parses and validates one TOML text; `source` names it in errors. */
export function parseConfigText(text: string, source: string): Layer {
  let raw: RawLayer;
  try {
    raw = parseToml(text) as RawLayer;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(source, "", `not valid TOML: ${message}`);
  }
  return validateLayer(raw, source);
}

/** Reads one config file; a missing optional file yields undefined. */
export async function readConfigFile(path: string, optional: boolean): Promise<Layer | undefined> {
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
  return parseConfigText(text, path);
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

/** Loads every layer in order and merges them over the defaults. */
export async function loadConfig(sources: ConfigSources, env = userEnvironment()): Promise<Config> {
  const layers: Layer[] = [];
  const system = await readConfigFile(sources.systemPath ?? SYSTEM_CONFIG_PATH, true);
  if (system) layers.push(system);
  if (sources.configPath) layers.push((await readConfigFile(sources.configPath, false))!);
  if (sources.overrides) layers.push(validateLayer(sources.overrides, "command line"));
  return mergeLayers(defaultConfig(env), layers);
}
