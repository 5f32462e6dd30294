/**
 * The commands and options, each with its help: the one source of
 * `apt-dht --help` (and so the README's usage block) and of the COMMANDS
 * and OPTIONS sections of apt-dht(1). A help is given as the lines
 * `--help` breaks it into; the man page joins them.
 *
 * @module
 */

/** A command word and its help. */
export interface CommandHelp {
  readonly name: string;
  readonly help: readonly string[];
}

/** An option: its spellings and argument (`-c, --config FILE`), and its help. */
export interface OptionHelp {
  readonly short?: string;
  readonly long: string;
  readonly arg?: string;
  readonly help: readonly string[];
}

export const COMMAND_HELP: readonly CommandHelp[] = [
  { name: "run", help: ["start the daemon (the default)"] },
  { name: "dht", help: ["run a DHT node only (e.g. as a bootstrap node for others)"] },
  { name: "status", help: ["summarise a running daemon (from its /stats.json)"] },
  {
    name: "apt-sources",
    help: [
      "print this machine's apt sources rewritten to use the daemon, in one-line",
      "and deb822 format, and the proxy-mode alternative (writes nothing)",
    ],
  },
  {
    name: "scan",
    help: [
      "verify every file in the cache now; removes what fails and names it",
      "(exit 1 if any)",
    ],
  },
  {
    name: "config",
    help: [
      "print the effective configuration as TOML, each value with where it came",
      "from (default, file and line, command line)",
    ],
  },
  { name: "version", help: ["print the version"] },
  { name: "help", help: ["print this help"] },
];

export const OPTION_HELP: readonly OptionHelp[] = [
  {
    short: "c",
    long: "config",
    arg: "FILE",
    help: ["read FILE after /etc/apt-dht/apt-dht.toml"],
  },
  {
    long: "listen",
    arg: "ADDRESS",
    help: ["address to bind (server.listen, default 0.0.0.0)"],
  },
  {
    short: "p",
    long: "port",
    arg: "PORT",
    help: ["HTTP port, also the DHT's UDP port (server.port, default 9977)"],
  },
  { long: "cache-dir", arg: "DIR", help: ["cache directory (cache.directory)"] },
  { long: "state-dir", arg: "DIR", help: ["database directory (state.directory)"] },
  {
    long: "allow",
    arg: "CIDR",
    help: [
      "allow these clients to use the proxy; repeat for more",
      "(server.allowed_clients, default loopback only)",
    ],
  },
  {
    long: "mirror",
    arg: "NAME=URL[,URL...]",
    help: ["a mirror alias served at /NAME/; repeat for more"],
  },
  {
    long: "bootstrap",
    arg: "HOST:PORT",
    help: ["join the DHT through this node; repeat for more", "(dht.bootstrap, default none)"],
  },
  { long: "no-dht", help: ["do not run the DHT node with the daemon (dht.enabled)"] },
  {
    long: "log-level",
    arg: "LEVEL",
    help: ["debug, info, warn or error (log.level, default info)"],
  },
  {
    long: "host",
    arg: "HOST",
    help: [
      "apt-sources: the daemon's host name in the printed URIs",
      "(default localhost); status: where to ask (default this machine)",
    ],
  },
  {
    long: "apt-dir",
    arg: "DIR",
    help: ["apt-sources: apt's configuration directory (default /etc/apt)"],
  },
  { short: "h", long: "help", help: ["print this help"] },
  { short: "V", long: "version", help: ["print the version"] },
];

/** `-c, --config FILE`, or `    --listen ADDRESS` (aligned under the long ones). */
export function optionSpelling(option: OptionHelp): string {
  return `${option.short ? `-${option.short}, ` : "    "}--${option.long}${
    option.arg ? ` ${option.arg}` : ""
  }`;
}

/** Help lines after a name column `width` wide, indented by two; a longer name has its own line. */
function column(name: string, help: readonly string[], width: number): string {
  const indent = " ".repeat(2 + width + 1);
  const lines = name.length <= width
    ? [`  ${name.padEnd(width)} ${help[0]}`, ...help.slice(1).map((line) => indent + line)]
    : [`  ${name}`, ...help.map((line) => indent + line)];
  return lines.join("\n");
}

/** Text for `apt-dht --help`. */
export const USAGE = `Usage: apt-dht [command] [options]

A peer-to-peer proxy for apt.

Commands:
${COMMAND_HELP.map((c) => column(c.name, c.help, 11)).join("\n")}

Options:
${OPTION_HELP.map((o) => column(optionSpelling(o), o.help, 24)).join("\n")}
`;
