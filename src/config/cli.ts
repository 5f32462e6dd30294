/**
 * The command line: a command word and flags, parsed with `node:util`'s
 * `parseArgs`. Flags that set configuration become a raw layer that is
 * validated like a file, so errors read the same.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ConfigError } from "./errors.ts";
import type { RawLayer } from "./schema.ts";

export { USAGE } from "./help_text.ts";

/** The commands `apt-dht` knows. */
export const COMMANDS = [
  "run",
  "dht",
  "status",
  "apt-sources",
  "scan",
  "config",
  "version",
  "help",
] as const;
/** One of {@link COMMANDS}. */
export type Command = typeof COMMANDS[number];

/** A parsed command line. */
export interface CommandLine {
  readonly command: Command;
  readonly configPath?: string;
  readonly overrides: RawLayer;
  /** For `status` and `apt-sources`: the host name the daemon is reached at. */
  readonly host?: string;
  /** For `apt-sources`: apt's configuration directory (default /etc/apt). */
  readonly aptDir?: string;
}

/** parseArgs' spec; tests/config hold it to OPTION_HELP (help_text.ts), flag for flag. */
export const OPTIONS = {
  config: { type: "string", short: "c" },
  listen: { type: "string" },
  port: { type: "string", short: "p" },
  "cache-dir": { type: "string" },
  "state-dir": { type: "string" },
  allow: { type: "string", multiple: true },
  mirror: { type: "string", multiple: true },
  "log-level": { type: "string" },
  bootstrap: { type: "string", multiple: true },
  "no-dht": { type: "boolean" },
  host: { type: "string" },
  "apt-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/** The flag that sets each config key (`apt-dht config` names it as a value's origin). */
const FLAGS: Readonly<Record<string, string>> = {
  "server.listen": "--listen",
  "server.port": "--port",
  "server.allowed_clients": "--allow",
  "cache.directory": "--cache-dir",
  "state.directory": "--state-dir",
  "log.level": "--log-level",
  "dht.bootstrap": "--bootstrap",
  "dht.enabled": "--no-dht",
};

/** The flag that sets `key` (`mirrors.NAME`: `--mirror`). */
export function flagOf(key: string): string {
  return key.startsWith("mirrors.") ? "--mirror" : FLAGS[key] ?? "a flag";
}

/** Parses `args` (without the program name); throws {@link ConfigError} on anything unknown. */
export function parseCommandLine(args: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError(
      "command line",
      "",
      `${(error as Error).message.split("\n")[0]} (see --help)`,
    );
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new ConfigError(
      "command line",
      "",
      `unexpected argument "${positionals[1]}" (see --help)`,
    );
  }
  const word = positionals[0] ?? "run";
  if (!(COMMANDS as readonly string[]).includes(word)) {
    throw new ConfigError(
      "command line",
      "",
      `unknown command "${word}" (expected one of: ${COMMANDS.join(", ")})`,
    );
  }
  const command: Command = values.help ? "help" : values.version ? "version" : word as Command;

  const server: Record<string, unknown> = {};
  const overrides: RawLayer = {};
  if (values.listen !== undefined) server.listen = values.listen;
  if (values.port !== undefined) {
    server.port = /^\d+$/.test(values.port) ? Number(values.port) : values.port;
  }
  if (values.allow !== undefined) {
    server.allowed_clients = values.allow.flatMap((v) => v.split(","));
  }
  if (Object.keys(server).length) overrides.server = server;
  if (values["cache-dir"] !== undefined) overrides.cache = { directory: values["cache-dir"] };
  if (values["state-dir"] !== undefined) overrides.state = { directory: values["state-dir"] };
  if (values["log-level"] !== undefined) overrides.log = { level: values["log-level"] };
  if (values.mirror !== undefined) overrides.mirrors = parseMirrorFlags(values.mirror);
  const dht: Record<string, unknown> = {};
  if (values.bootstrap !== undefined) dht.bootstrap = values.bootstrap.flatMap((v) => v.split(","));
  if (values["no-dht"]) dht.enabled = false;
  if (Object.keys(dht).length) overrides.dht = dht;
  return {
    command,
    configPath: values.config,
    overrides,
    host: values.host,
    aptDir: values["apt-dir"],
  };
}

function parseMirrorFlags(flags: readonly string[]): RawLayer {
  const mirrors: RawLayer = {};
  for (const flag of flags) {
    const at = flag.indexOf("=");
    if (at <= 0 || at === flag.length - 1) {
      throw new ConfigError(
        "command line",
        "--mirror",
        `expected NAME=URL[,URL...], got "${flag}"`,
      );
    }
    mirrors[flag.slice(0, at)] = { upstreams: flag.slice(at + 1).split(",") };
  }
  return mirrors;
}
