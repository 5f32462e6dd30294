/**
 * The status page (`GET /`): the snapshot for a person. Every figure is an
 * element with `data-stat` (its path in `/stats.json`) and `data-value` (the
 * raw number), so what the page says can be checked against the JSON.
 * No script and nothing fetched from elsewhere: it renders offline.
 *
 * @module
 */

import { formatBytes, formatDuration } from "../../util/format.ts";
import { urlHost } from "../../net/mod.ts";
import type { StatusSnapshot } from "./snapshot.ts";

const STYLE = `
body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
header{background:#243447;color:#fff;padding:1em 2em}header h1{margin:0;font-size:1.4em}
header p{margin:.3em 0 0;opacity:.85}main{padding:1em 2em;display:grid;gap:1em;
grid-template-columns:repeat(auto-fit,minmax(24em,1fr))}section{background:#fff;border-radius:6px;
padding:.8em 1.2em;box-shadow:0 1px 2px #0002}section.wide{grid-column:1/-1}h2{font-size:1.1em;margin:.2em 0 .6em}
table{border-collapse:collapse;width:100%}th,td{padding:.25em .6em;text-align:left;border-bottom:1px solid #eee}
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}.bad{color:#b00020}.good{color:#0a7d32}
.problem{background:#fde8ea;border-left:4px solid #b00020}footer{padding:0 2em 2em}code{font-size:.9em}`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A figure: the formatted text, with its path and raw value for machines. */
function figure(
  path: string,
  value: number | null | undefined,
  format: (value: number) => string = String,
): string {
  if (value === null || value === undefined) {
    return `<span data-stat="${path}" data-value="">unknown</span>`;
  }
  return `<span data-stat="${path}" data-value="${value}">${escapeHtml(format(value))}</span>`;
}

const bytes = (path: string, value: number | null | undefined) => figure(path, value, formatBytes);
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

function traffic(s: StatusSnapshot): string {
  // Every byte carried, heads included, as `in / out`.
  const wireRow = (label: string, party: string) => {
    const pair = (prefix: string, wire: Record<string, number>) =>
      `${bytes(`${prefix}.${party}_in`, wire[`${party}_in`] ?? 0)} / ${
        bytes(`${prefix}.${party}_out`, wire[`${party}_out`] ?? 0)
      }`;
    return `<tr><th>${label}</th><td class="n">${pair("wire", s.wire)}</td><td class="n">${
      s.all_time ? pair("all_time.wire", s.all_time.wire) : ""
    }</td></tr>`;
  };
  const row = (label: string, key: string) =>
    `<tr><th>${label}</th><td class="n">${bytes(`bytes.${key}`, s.bytes[key] ?? 0)}</td>` +
    `<td class="n">${
      s.all_time ? bytes(`all_time.bytes.${key}`, s.all_time.bytes[key] ?? 0) : ""
    }</td></tr>`;
  return `<section><h2>Traffic</h2><table>
<tr><th></th><th>this run</th><th>all time</th></tr>
${row("from peers", "peer")}${row("from mirrors", "mirror")}${row("from the cache", "cache")}
<tr><th>uploaded to peers</th><td class="n">${bytes("uploaded", s.uploaded)}</td>
<td class="n">${s.all_time ? bytes("all_time.uploaded", s.all_time.uploaded) : ""}</td></tr>
<tr><th>of which from downloads in progress</th><td class="n">${
    bytes("uploaded_growing", s.uploaded_growing)
  }</td><td class="n">${
    s.all_time ? bytes("all_time.uploaded_growing", s.all_time.uploaded_growing) : ""
  }</td></tr>
${wireRow("on the wire with mirrors, in / out", "mirror")}${
    wireRow("on the wire with peers, in / out", "peer")
  }${wireRow("passed through CONNECT tunnels (not cached), in / out", "tunnel")}
<tr><th>share from peers</th><td class="n">${
    figure("saved.session.peer_share", s.saved.session.peer_share, percent)
  }</td><td class="n">${
    s.saved.all_time
      ? figure("saved.all_time.peer_share", s.saved.all_time.peer_share, percent)
      : ""
  }</td></tr>
</table></section>`;
}

function cache(s: StatusSnapshot): string {
  return `<section><h2>Cache</h2><table>
<tr><th>files</th><td class="n">${figure("cache.files", s.cache?.files)}</td></tr>
<tr><th>size</th><td class="n">${bytes("cache.bytes", s.cache?.bytes)}</td></tr>
<tr><th>downloads in progress</th><td class="n">${
    figure("active_downloads", s.active_downloads)
  }</td></tr>
<tr><th>requests refused</th><td class="n">${figure("refused", s.refused)}</td></tr>
<tr><th>connections open</th><td class="n">${
    figure("connections.open", s.connections.open)
  }</td></tr>
<tr><th>connections closed: too slow or idle / over the caps</th><td class="n">${
    figure("connections.timed_out", s.connections.timed_out)
  } / ${figure("connections.refused", s.connections.refused)}</td></tr>
<tr><th>CONNECT tunnels open / opened / failed</th><td class="n">${
    figure("tunnels.open", s.tunnels.open)
  } / ${figure("tunnels.opened", s.tunnels.opened)} / ${
    figure("tunnels.failed", s.tunnels.failed)
  }</td></tr>
</table></section>`;
}

function dht(s: StatusSnapshot): string {
  const d = s.dht;
  if (!d) {
    return `<section><h2>DHT</h2><p>Not running (<code>dht.enabled = false</code>).</p></section>`;
  }
  const methods = [
    ...new Set([
      ...Object.keys(d.counters.queriesSent),
      ...Object.keys(d.counters.queriesReceived),
      ...Object.keys(d.counters.timeoutsByMethod),
    ]),
  ].sort();
  const queries = methods.map((m) =>
    `<tr><th>${escapeHtml(m)}</th><td class="n">${
      figure(`dht.counters.queriesSent.${m}`, d.counters.queriesSent[m] ?? 0)
    }</td><td class="n">${
      figure(`dht.counters.queriesReceived.${m}`, d.counters.queriesReceived[m] ?? 0)
    }</td><td class="n">${
      figure(`dht.counters.timeoutsByMethod.${m}`, d.counters.timeoutsByMethod[m] ?? 0)
    }</td></tr>`
  ).join("");
  // Nobody to join through, and nobody has come: as configured, not a fault.
  const waiting = !d.reachable && d.nodes === 0 && d.bootstrap_nodes === 0;
  const lanOn = s.lan.discovery !== null;
  return `<section><h2>DHT</h2><table>
<tr><th>state</th><td class="${
    d.reachable ? "good" : waiting ? "" : "bad"
  }" data-stat="dht.reachable" data-value="${d.reachable}">${
    d.reachable
      ? "joined: nodes answer"
      : waiting
      ? lanOn
        ? "waiting to be joined: no bootstrap node configured, no apt-dht node found on the LAN yet"
        : "waiting to be joined: no bootstrap node configured (dht.bootstrap)"
      : "not joined (no node has answered)"
  }</td></tr>
<tr><th>nodes in the routing table</th><td class="n">${figure("dht.nodes", d.nodes)}</td></tr>
<tr><th>estimated network size</th><td class="n">${
    figure("dht.estimatedNodes", d.estimatedNodes)
  }</td></tr>
<tr><th>stored: info-hashes / peers / items</th><td class="n">${
    figure("dht.storedInfoHashes", d.storedInfoHashes)
  } / ${figure("dht.storedPeers", d.storedPeers)} / ${
    figure("dht.storedItems", d.storedItems)
  }</td></tr>
<tr><th>UDP in / out</th><td class="n">${bytes("dht.counters.bytesIn", d.counters.bytesIn)} / ${
    bytes("dht.counters.bytesOut", d.counters.bytesOut)
  }</td></tr>
</table>
<table><tr><th>query</th><th>sent</th><th>received</th><th>timeouts</th></tr>${
    queries || `<tr><td colspan="4">none yet</td></tr>`
  }</table></section>`;
}

function lan(s: StatusSnapshot): string {
  const { discovery, advertise } = s.lan;
  const nodes =
    discovery?.nodes.map((n) =>
      `<tr><td>${escapeHtml(urlHost(n.address))}:${n.port}</td><td>${
        escapeHtml(n.interface)
      }</td>` +
      `<td><code>${escapeHtml(n.id.slice(0, 12))}</code></td><td>${
        escapeHtml(n.last_seen)
      }</td></tr>`
    ).join("") ?? "";
  return `<section><h2>LAN</h2><table>
<tr><th>discovery (BEP 14)</th><td>${
    discovery
      ? `on: ${escapeHtml(discovery.interfaces.join(", ") || "no LAN interface")}`
      : "off (<code>dht.lan_discovery</code>)"
  }</td></tr>
<tr><th>LAN nodes found</th><td class="n">${
    figure("lan.discovery.nodes.length", discovery?.nodes.length)
  }</td></tr>
<tr><th>mDNS advertising</th><td>${
    advertise
      ? `<code>${escapeHtml(advertise.service)}</code> on ${
        escapeHtml(advertise.interfaces.join(", ") || "no interface with allowed clients")
      }`
      : "off (<code>server.advertise</code>)"
  }</td></tr>
</table>${
    nodes
      ? `<table><tr><th>node</th><th>interface</th><th>id</th><th>last seen</th></tr>${nodes}</table>`
      : ""
  }</section>`;
}

function peers(s: StatusSnapshot): string {
  if (!s.peers.length) return `<section class="wide"><h2>Peers</h2><p>None seen yet.</p></section>`;
  const rows = s.peers.map((p, i) =>
    `<tr><td>${escapeHtml(urlHost(p.address))}:${p.port}</td>` +
    `<td class="n">${bytes(`peers.${i}.bytes_down`, p.bytes_down)}</td>` +
    `<td class="n">${bytes(`peers.${i}.bytes_up`, p.bytes_up)}</td>` +
    `<td class="n${p.hash_errors ? " bad" : ""}">${
      figure(`peers.${i}.hash_errors`, p.hash_errors)
    }</td>` +
    `<td class="n">${figure(`peers.${i}.failures`, p.failures)}</td>` +
    `<td class="n">${figure(`peers.${i}.score`, p.score)}</td></tr>`
  ).join("");
  return `<section class="wide"><h2>Peers</h2><table>
<tr><th>peer</th><th>from it</th><th>to it</th><th>wrong data</th><th>failures</th><th>score</th></tr>
${rows}</table></section>`;
}

function archives(s: StatusSnapshot): string {
  if (!s.releases.length) {
    return `<section class="wide"><h2>Archives</h2><p>No Release file seen yet.</p></section>`;
  }
  const rows = s.releases.map((r) =>
    `<tr><td>${escapeHtml(r.release)}</td>${
      r.trusted
        ? `<td class="good">signature good (key ${escapeHtml(r.signer ?? "")})</td>`
        : `<td class="bad">not trusted, so no peers are used: ${escapeHtml(r.reason ?? "")}</td>`
    }</tr>`
  ).join("");
  return `<section class="wide"><h2>Archives</h2><table>
<tr><th>Release</th><th>signature</th></tr>${rows}</table></section>`;
}

function hashFailures(s: StatusSnapshot): string {
  if (!s.hash_failures.length) return "";
  const rows = s.hash_failures.map((f) =>
    `<tr><td>${escapeHtml(f.at)}</td><td>${escapeHtml(f.path)}</td><td>${
      escapeHtml(f.source)
    }</td><td class="bad">${escapeHtml(f.reason)}</td></tr>`
  ).join("");
  return `<section class="wide"><h2>Recent hash failures</h2>
<p>Downloads that did not match the archive's hashes: none of their bytes was cached or given out whole.</p>
<table><tr><th>when</th><th>file</th><th>from</th><th>why</th></tr>${rows}</table></section>`;
}

function problems(s: StatusSnapshot): string {
  return s.problems.map((p) =>
    `<section class="wide problem"><h2>${escapeHtml(p.what)}</h2><p>${
      escapeHtml(p.detail)
    } (since ${escapeHtml(p.since)})</p></section>`
  ).join("");
}

/** The whole page. */
export function statusHtml(s: StatusSnapshot): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="refresh" content="30"><title>apt-dht status</title><style>${STYLE}</style></head>
<body><header><h1>apt-dht ${escapeHtml(s.version)}</h1>
<p>listening on <code data-stat="listen">${escapeHtml(s.listen ?? "?")}</code>${
    s.dht ? ` · node id <code data-stat="dht.id">${escapeHtml(s.dht.id)}</code>` : ""
  }${
    s.dht?.publicAddress ? ` · seen as <code>${escapeHtml(s.dht.publicAddress)}</code>` : ""
  } · up ${figure("uptime_seconds", s.uptime_seconds, formatDuration)}</p></header>
<main>${problems(s)}${traffic(s)}${cache(s)}${dht(s)}${lan(s)}${peers(s)}${archives(s)}${
    hashFailures(s)
  }</main>
<footer><a href="/stats.json">stats.json</a> · <a href="/metrics">metrics</a></footer>
</body></html>
`;
}
