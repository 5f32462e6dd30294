/**
 * `apt-dht apt-sources`: the machine's apt sources (one-line
 * `sources.list` files and deb822 `.sources` files), rewritten so apt goes
 * through the daemon, printed in both formats, with proxy mode as the
 * alternative. Nothing is written: the user picks what to install.
 *
 * @module
 */

import { parseDeb822 } from "../apt/mod.ts";
import { HTTPS_SEGMENT } from "../server/mod.ts";

/** One source entry, in deb822 terms (what both formats can express). */
export interface SourceEntry {
  readonly types: readonly string[];
  readonly uris: readonly string[];
  readonly suites: readonly string[];
  readonly components: readonly string[];
  /** Other fields by deb822 name (`Signed-By`, `Architectures`, …). */
  readonly options: ReadonlyMap<string, string>;
  /** The file it came from. */
  readonly origin: string;
}

/** One-line option names and their deb822 field names. */
const OPTION_FIELDS: Record<string, string> = {
  arch: "Architectures",
  lang: "Languages",
  target: "Targets",
  pdiffs: "PDiffs",
  "by-hash": "By-Hash",
  "allow-insecure": "Allow-Insecure",
  "allow-weak": "Allow-Weak",
  "allow-downgrade-to-insecure": "Allow-Downgrade-To-Insecure",
  trusted: "Trusted",
  "signed-by": "Signed-By",
  "check-valid-until": "Check-Valid-Until",
  "valid-until-min": "Valid-Until-Min",
  "valid-until-max": "Valid-Until-Max",
  "check-date": "Check-Date",
  "date-max-future": "Date-Max-Future",
  "inrelease-path": "InRelease-Path",
  snapshot: "Snapshot",
};
/** deb822 options whose one-line form separates values with commas. */
const LIST_FIELDS = new Set(["Architectures", "Languages", "Targets", "Signed-By"]);

const fieldOf = (option: string) =>
  OPTION_FIELDS[option] ?? option.replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase());
const optionOf = (field: string) =>
  Object.entries(OPTION_FIELDS).find(([, f]) => f.toLowerCase() === field.toLowerCase())?.[0] ??
    field.toLowerCase();

/** Parses a one-line sources.list text; comments and blank lines are skipped. */
export function parseOneLineSources(text: string, origin: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    // A URI may hold a bracketed part with spaces, as apt allows for `cdrom:[Debian 12]/`.
    const match = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?((?:[^\s\[]|\[[^\]]*\])+)\s+(\S+)\s*(.*)$/
      .exec(line);
    if (!match) continue; // apt would reject it too; not ours to fix
    const options = new Map<string, string>();
    for (const option of (match[2] ?? "").trim().split(/\s+/).filter(Boolean)) {
      const at = option.indexOf("=");
      if (at <= 0) continue;
      const field = fieldOf(option.slice(0, at).replace(/[+-]$/, ""));
      const value = option.slice(at + 1);
      options.set(field, LIST_FIELDS.has(field) ? value.split(",").join(" ") : value);
    }
    entries.push({
      types: [match[1]],
      uris: [match[3]],
      suites: [match[4]],
      components: match[5].trim().split(/\s+/).filter(Boolean),
      options,
      origin,
    });
  }
  return entries;
}

/** Parses a deb822 `.sources` text; stanzas with `Enabled: no` are skipped. */
export function parseDeb822Sources(text: string, origin: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  // Comment lines are allowed anywhere in deb822 source files.
  const paragraphs = parseDeb822(text.split("\n").filter((l) => !l.startsWith("#")).join("\n"));
  for (const fields of paragraphs) {
    if (fields.get("enabled")?.trim().toLowerCase() === "no") continue;
    const words = (name: string) => (fields.get(name) ?? "").trim().split(/\s+/).filter(Boolean);
    const options = new Map<string, string>();
    for (const [name, value] of fields) {
      if (["types", "uris", "suites", "components", "enabled"].includes(name)) continue;
      options.set(fieldOf(name), value.trim());
    }
    const entry = {
      types: words("types"),
      uris: words("uris"),
      suites: words("suites"),
      components: words("components"),
      options,
      origin,
    };
    if (entry.types.length && entry.uris.length && entry.suites.length) entries.push(entry);
  }
  return entries;
}

/** Where the daemon is, as apt should reach it (`localhost:9977`). */
export interface DaemonAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `uri` as the daemon's rewrite mode spells it (`https://host/…` as
 * `http://<daemon>/https/host/…`), or undefined when it cannot go through
 * the daemon (file, cdrom, a URI with credentials) or already does.
 */
export function rewriteUri(uri: string, daemon: DaemonAddress): string | undefined {
  const match = /^(https?):\/\/([^\/@]+)(\/.*)?$/i.exec(uri);
  if (!match) return undefined;
  const authority = `${daemon.host}:${daemon.port}`;
  const host = match[2].toLowerCase();
  const path = (match[3] ?? "/").replace(/\/+$/, "");
  if (match[1].toLowerCase() === "https") {
    return `http://${authority}/${HTTPS_SEGMENT}/${host}${path}`;
  }
  if (host === authority.toLowerCase()) return undefined;
  // Already through a daemon on this machine (another port, or another name for it): re-point
  // it at this one instead of wrapping it again.
  const local = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  const [site] = path.split("/").filter(Boolean);
  if (local && site && (/[.:]/.test(site) || site === HTTPS_SEGMENT)) {
    return `http://${authority}${path}`;
  }
  return `http://${authority}/${host}${path}`;
}

/** The entries with every URI that can go through the daemon rewritten. */
export function rewriteEntries(
  entries: readonly SourceEntry[],
  daemon: DaemonAddress,
): { entries: SourceEntry[]; unchanged: string[] } {
  const unchanged = new Set<string>();
  const rewritten = entries.map((entry) => ({
    ...entry,
    uris: entry.uris.map((uri) => {
      const via = rewriteUri(uri, daemon);
      if (!via) unchanged.add(uri);
      return via ?? uri;
    }),
  }));
  return { entries: rewritten, unchanged: [...unchanged] };
}

/** The entries as one-line `deb` lines (an embedded key cannot be, and is said so). */
export function formatOneLine(entries: readonly SourceEntry[]): string {
  const lines: string[] = [];
  for (const entry of entries) {
    const options: string[] = [];
    let embeddedKey = false;
    for (const [field, value] of entry.options) {
      if (value.includes("\n")) {
        embeddedKey = true;
        continue;
      }
      const joined = LIST_FIELDS.has(field) ? value.split(/\s+/).join(",") : value;
      options.push(`${optionOf(field)}=${joined}`);
    }
    if (embeddedKey) {
      lines.push(`# (${entry.origin} embeds a key, which the one-line format cannot carry)`);
    }
    const bracket = options.length ? ` [${options.join(" ")}]` : "";
    for (const type of entry.types) {
      for (const uri of entry.uris) {
        for (const suite of entry.suites) {
          const components = suite.endsWith("/") ? "" : ` ${entry.components.join(" ")}`;
          lines.push(`${type}${bracket} ${uri} ${suite}${components}`.trimEnd());
        }
      }
    }
  }
  return lines.join("\n") + "\n";
}

/** The entries as deb822 stanzas (a URI with spaces, such as a cdrom's, cannot be one: said so). */
export function formatDeb822(entries: readonly SourceEntry[]): string {
  return entries.map((entry) => {
    const spaced = entry.uris.filter((uri) => /\s/.test(uri));
    if (spaced.length) {
      return `# (${spaced.join(" ")} cannot be written in deb822, URIs are split at spaces: ` +
        `keep its one-line entry)\n`;
    }
    const lines = [
      `Types: ${entry.types.join(" ")}`,
      `URIs: ${entry.uris.join(" ")}`,
      `Suites: ${entry.suites.join(" ")}`,
    ];
    if (entry.components.length) lines.push(`Components: ${entry.components.join(" ")}`);
    for (const [field, value] of entry.options) {
      // A multi-line value (an embedded key) goes on continuation lines, "." kept for blank ones.
      lines.push(
        value.includes("\n")
          ? `${field}:\n${value.split("\n").map((l) => l === "" ? " ." : ` ${l}`).join("\n")}`
          : `${field}: ${value}`,
      );
    }
    return lines.join("\n") + "\n";
  }).join("\n");
}

/** Reads the sources apt reads: `sources.list` and `sources.list.d/*.list|*.sources`. */
export async function readAptSources(aptDir: string): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  const read = async (path: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  };
  const main = await read(`${aptDir}/sources.list`);
  if (main !== undefined) entries.push(...parseOneLineSources(main, `${aptDir}/sources.list`));
  const names: string[] = [];
  try {
    for await (const item of Deno.readDir(`${aptDir}/sources.list.d`)) {
      if (item.isFile && /^[\w.-]+\.(list|sources)$/.test(item.name)) names.push(item.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const name of names.sort()) {
    const path = `${aptDir}/sources.list.d/${name}`;
    const text = (await read(path)) ?? "";
    entries.push(
      ...(name.endsWith(".list")
        ? parseOneLineSources(text, path)
        : parseDeb822Sources(text, path)),
    );
  }
  return entries;
}

/** The whole report `apt-dht apt-sources` prints. */
export function aptSourcesReport(entries: readonly SourceEntry[], daemon: DaemonAddress): string {
  const base = `http://${daemon.host}:${daemon.port}`;
  if (entries.length === 0) {
    return `# No apt sources found. Add lines like this one (rewrite mode):\n` +
      `# deb http://${daemon.host}:${daemon.port}/deb.debian.org/debian bookworm main\n`;
  }
  const { entries: rewritten, unchanged } = rewriteEntries(entries, daemon);
  const origins = [...new Set(entries.map((e) => e.origin))];
  const parts = [
    `# apt sources rewritten to go through apt-dht at ${base}`,
    `# read from: ${origins.join(", ")}`,
    "",
    "# --- one-line format: replace the lines in /etc/apt/sources.list (and sources.list.d/*.list) ---",
    formatOneLine(rewritten),
    "# --- or deb822 format: /etc/apt/sources.list.d/apt-dht.sources, removing the old entries ---",
    formatDeb822(rewritten),
  ];
  if (unchanged.length) {
    parts.push(`# Left as they are (apt fetches these directly): ${unchanged.join(" ")}`, "");
  }
  parts.push(
    "# --- or proxy mode: keep the sources unchanged and, in /etc/apt/apt.conf.d/30apt-dht-proxy",
    "# (the package installs it, commented out), turn on: ---",
    `# Acquire::http::Proxy "${base}";`,
    "# apt then sends every http:// request to the daemon, which fetches it from the mirror named",
    "# in the request; https:// sources go through it as CONNECT tunnels (server.connect_pass_through),",
    "# not cached: the rewritten https lines above are.",
    "",
  );
  return parts.join("\n");
}

/** `apt-dht apt-sources`: prints the sources under `aptDir` rewritten for the daemon at `daemon`. */
export async function runAptSources(aptDir: string, daemon: DaemonAddress): Promise<number> {
  console.log(aptSourcesReport(await readAptSources(aptDir), daemon).trimEnd());
  return 0;
}
