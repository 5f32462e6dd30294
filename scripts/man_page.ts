/**
 * apt-dht(1), built from the sources of `--help` (src/config/help_text.ts),
 * the README's key table (src/config/key_reference.ts) and the keys a reload
 * applies (src/config/reload.ts), so the page cannot drift from them.
 *
 * Usage: deno run -A scripts/man_page.ts > apt-dht.1 (then `man -l apt-dht.1`)
 *
 * @module
 */

import { COMMAND_HELP, OPTION_HELP } from "../src/config/help_text.ts";
import { KEY_REFERENCE } from "../src/config/key_reference.ts";
import { RELOADABLE_KEYS } from "../src/config/reload.ts";
import { VERSION } from "../src/version.ts";

/** Text for roff: backslashes and minus signs escaped, no line taken for a request. */
function roff(text: string): string {
  return text.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^([.'])/gm, "\\&$1");
}

/** Prose for roff: as roff(), but hyphens inside words stay hyphens. */
function prose(text: string): string {
  return roff(text).replace(/(\w)\\-(?=\w)/g, "$1-");
}

/** Markdown inline text (`code`, plain words) for roff: code in bold, as man pages show literals. */
function markdown(text: string): string {
  return text.split(/(`[^`]*`)/).map((part) =>
    part.startsWith("`") ? `\\fB${roff(part.slice(1, -1))}\\fR` : prose(part)
  ).join("");
}

const paragraph = (text: string) => `.PP\n${prose(text)}`;
const item = (tag: string, body: string) => `.TP\n${tag}\n${body}`;

const description = [
  "apt-dht is a caching proxy for apt. apt asks the local daemon for each file; the daemon finds " +
  "the file's hash in the archive's signed indexes (Release, Packages, Sources), looks for other " +
  "machines running apt-dht that hold the file through a Kademlia DHT compatible with BitTorrent's " +
  "mainline DHT, downloads it from several of them at once, checks every byte against the signed " +
  "hash, and falls back to the mirror when peers are missing, slow or wrong. What it fetched it " +
  "caches and serves to apt and to other peers.",
  "Peers are only asked for files whose hash traces back to a Release signed by a key the daemon " +
  "trusts (by default the keys apt trusts); apt never receives a byte that failed its hash. " +
  "Started with no configuration file, the daemon sends nothing beyond the machine: no bootstrap " +
  "node, no multicast. The packaged /etc/apt-dht/apt-dht.toml turns on LAN discovery (BEP 14) and " +
  "mDNS advertising.",
  "The status page is at http://localhost:9977/ (figures as JSON at /stats.json, Prometheus " +
  "metrics at /metrics).",
];

const files: [string, string][] = [
  ["/etc/apt-dht/apt-dht.toml", "The configuration file (see CONFIGURATION)."],
  [
    "/etc/apt/apt.conf.d/30apt-dht-proxy",
    "apt's proxy setting for the daemon, commented out until the administrator turns it on.",
  ],
  ["/var/cache/apt-dht", "The cache: <host>/<path> of each file (cache.directory)."],
  [
    "/var/lib/apt-dht/apt-dht.db",
    "The database: file records, the DHT's routing table, statistics and history (state.directory).",
  ],
  ["/lib/systemd/system/apt-dht.service", "The systemd unit."],
];

const examples: [string, string][] = [
  [
    "Start the daemon on the built-in defaults (loopback clients only, nothing sent beyond the machine):",
    "apt-dht run",
  ],
  ["Print this machine's apt sources rewritten to go through the daemon:", "apt-dht apt-sources"],
  ["See the configuration in effect and where each value came from:", "apt-dht config"],
  [
    "Serve a LAN, joining an existing node:",
    "apt-dht run --allow 192.168.1.0/24 --bootstrap 192.168.1.10:9977",
  ],
  ["Summarise the running daemon:", "apt-dht status"],
  ["Verify every cached file now:", "apt-dht scan"],
  ["Read the configuration again without a restart:", "systemctl reload apt-dht"],
];

/** The page, in roff (man(7) macros). */
export function manPage(): string {
  const optionTag = (o: (typeof OPTION_HELP)[number]) =>
    `${o.short ? `\\fB\\-${o.short}\\fR, ` : ""}\\fB\\-\\-${roff(o.long)}\\fR${
      o.arg ? ` \\fI${roff(o.arg)}\\fR` : ""
    }`;
  const reloadable = [...RELOADABLE_KEYS].map((k) => `\\fB${roff(k)}\\fR`).join(", ");
  return [
    `.TH APT-DHT 1 "" "apt-dht ${VERSION}" "User Commands"`,
    ".SH NAME",
    "apt-dht \\- peer-to-peer proxy for apt",
    ".SH SYNOPSIS",
    ".B apt-dht",
    "[\\fIcommand\\fR] [\\fIoptions\\fR]",
    ".SH DESCRIPTION",
    ...description.map(paragraph),
    ".SH COMMANDS",
    ...COMMAND_HELP.map((c) => item(`.B ${roff(c.name)}`, prose(c.help.join(" ")))),
    ".SH OPTIONS",
    ...OPTION_HELP.map((o) => item(optionTag(o), prose(o.help.join(" ")))),
    ".SH FILES",
    ...files.map(([path, what]) => item(`.I ${roff(path)}`, prose(what))),
    ".SH CONFIGURATION",
    paragraph(
      "Layers, later ones winning: built-in defaults, /etc/apt-dht/apt-dht.toml (if present), " +
        "--config FILE, then command-line flags. The file is TOML; each key below is written in " +
        'its section, e.g. port under [server]. Sizes may be written as "20G" or "500M", ' +
        "durations are seconds.",
    ),
    ...KEY_REFERENCE.map((k) =>
      item(`.B ${roff(k.key)}`, `${markdown(k.meaning)}.\nDefault: ${markdown(k.default)}.`)
    ),
    ".SH SIGNALS",
    item(
      ".B SIGHUP",
      `${
        prose("Reads the configuration again (systemctl reload apt-dht). These keys apply at once:")
      } ${reloadable}. ${
        prose(
          "Any other change is logged as restart_needed. A file that does not parse is refused " +
            "(daemon.reload_failed, naming its file, line and column) and the daemon goes on as before.",
        )
      }`,
    ),
    item(
      '.BR SIGTERM ", " SIGINT',
      prose(
        "Stop cleanly: transfers in flight get 5 s to finish, the rest are aborted without " +
          "committing anything, and the routing table and statistics are saved.",
      ),
    ),
    ".SH EXIT STATUS",
    item(".B 0", "Success."),
    item(
      ".B 1",
      prose("A runtime failure: the port is taken, scan removed files, status found no daemon."),
    ),
    item(".B 2", prose("A bad command line or configuration, named on standard error.")),
    ".SH EXAMPLES",
    ...examples.flatMap((
      [what, command],
    ) => [paragraph(what), `.RS\n.nf\n${roff(command)}\n.fi\n.RE`]),
    ".SH SEE ALSO",
    ".BR apt-get (8),",
    ".BR apt.conf (5),",
    ".BR sources.list (5),",
    ".BR systemctl (1)",
    ".PP",
    "/usr/share/doc/apt\\-dht/README.md",
    "",
  ].join("\n");
}

if (import.meta.main) console.log(manPage());
