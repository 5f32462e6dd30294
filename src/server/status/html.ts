/**
 * The status page (`GET /`): the snapshot for a person. Every figure is an
 * element with `data-stat` (its path in `/stats.json`) and `data-value` (the
 * raw number), so what the page says can be checked against the JSON.
 * No script and nothing fetched from elsewhere: it renders offline, and reads
 * at a desktop's width and a phone's (tables stack under 40em).
 *
 * @module
 */

import { formatDuration } from "../../util/format.ts";
import { urlHost } from "../../net/mod.ts";
import { historySvg, legend } from "./history_svg.ts";
import { bytes, card, escapeHtml, figure, grid, pairs, share } from "./html_kit.ts";
import { archives, clients, hashFailures, mirrors, peers, problems, when } from "./html_lists.ts";
import type { StatusSnapshot } from "./snapshot.ts";

const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
header{background:#243447;color:#fff;padding:1em clamp(.8em,3vw,2em)}header h1{margin:0;font-size:1.4em}
header p{margin:.3em 0 0;opacity:.85}
main{padding:1em clamp(.5em,3vw,2em);display:grid;gap:1em;
grid-template-columns:repeat(auto-fit,minmax(min(30em,100%),1fr))}
section{background:#fff;border-radius:6px;padding:.8em clamp(.6em,2vw,1.2em);box-shadow:0 1px 2px #0002;min-width:0}
section.wide{grid-column:1/-1}h2{font-size:1.1em;margin:.2em 0 .6em;overflow-wrap:anywhere}section p{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{padding:.25em .5em;text-align:left;border-bottom:1px solid #eee;vertical-align:top;overflow-wrap:anywhere}
table.pairs th{font-weight:normal;color:#3a4350;width:55%}table.grid th{white-space:nowrap}th.n{text-align:right}
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.bad{color:#b00020}.good{color:#0a7d32}
.problem{background:#fde8ea;border-left:4px solid #b00020}
.headline{display:flex;flex-wrap:wrap;gap:.5em 2em;margin:0 0 .6em}
.headline div{min-width:8em}.headline strong{display:block;font-size:1.7em;font-variant-numeric:tabular-nums}
figure.chart{margin:0 0 1em}figure.chart svg{display:block;width:100%;height:7em;background:#fafbfc;border-bottom:1px solid #bbb}
figcaption{font-size:.9em;color:#3a4350}.axis{display:flex;justify-content:space-between;font-size:.85em;color:#555}
.legend{margin:0 0 .6em}.legend span{margin-right:1.2em;white-space:nowrap}
.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:-.05em}
footer{padding:0 clamp(.8em,3vw,2em) 2em}code{font-size:.9em;overflow-wrap:anywhere}
@media (max-width:40em){
table.grid thead{display:none}table.grid tr{display:block;border-bottom:2px solid #ddd;padding:.3em 0}
table.grid td{display:flex;justify-content:space-between;gap:1em;border:0;padding:.1em 0;text-align:right;white-space:normal}
table.grid td::before{content:attr(data-label);color:#3a4350;font-weight:600;text-align:left;flex:none;white-space:nowrap}
table.grid td[data-label=""]{font-weight:600;text-align:left}}`;

function hitRatio(s: StatusSnapshot): string {
  const week = s.saved.last_7_days;
  const big = (label: string, html: string) => `<div>${label}<strong>${html}</strong></div>`;
  return card(
    "Hit ratio",
    `<div class="headline">${
      big(
        "requests from the cache",
        share("hit_ratio.requests.session", s.hit_ratio.requests.session),
      )
    }${big("bytes from the cache", share("hit_ratio.bytes.session", s.hit_ratio.bytes.session))}${
      big("bytes from peers", share("saved.session.peer_share", s.saved.session.peer_share))
    }</div>${
      pairs([
        [
          "requests from the cache, all time",
          share("hit_ratio.requests.all_time", s.hit_ratio.requests.all_time),
        ],
        [
          "bytes from the cache, all time",
          share("hit_ratio.bytes.all_time", s.hit_ratio.bytes.all_time),
        ],
        [
          "last 7 days: not from mirrors (cache + peers)",
          `${bytes("saved.last_7_days.not_from_mirrors", week.not_from_mirrors)} (${
            share("saved.last_7_days.mirror_share_saved", week.mirror_share_saved)
          })`,
        ],
        ["last 7 days: from mirrors", bytes("saved.last_7_days.from_mirrors", week.from_mirrors)],
      ])
    }<p>This run: since ${
      when(s.started_at)
    }. The cache's answers count as hits, also when the mirror said a file is unchanged.</p>`,
  );
}

function history(s: StatusSnapshot): string {
  const hour = (iso: string) => `${iso.slice(11, 13)}:00`;
  const day = (iso: string) => iso.slice(5, 10);
  return card(
    "History",
    `${legend()}${
      historySvg(s.history.hourly, hour, "Bytes served per hour, last 24 hours (UTC)")
    }${historySvg(s.history.daily, day, "Bytes served per day, last 30 days (UTC, month-day)")}`,
    true,
  );
}

function traffic(s: StatusSnapshot): string {
  const a = s.all_time;
  const row = (label: string, path: string, now: number, before: number | undefined) => [
    label,
    { html: bytes(path, now), n: true },
    { html: a ? bytes(`all_time.${path}`, before ?? 0) : "", n: true },
  ];
  const wire = (label: string, party: string) => {
    const pair = (prefix: string, w: Record<string, number>) =>
      `${bytes(`${prefix}${party}_in`, w[`${party}_in`] ?? 0)} / ${
        bytes(`${prefix}${party}_out`, w[`${party}_out`] ?? 0)
      }`;
    return [
      label,
      { html: pair("wire.", s.wire), n: true },
      { html: a ? pair("all_time.wire.", a.wire) : "", n: true },
    ];
  };
  return card(
    "Traffic",
    grid(["", "this run", "all time"], [
      row("from peers", "bytes.peer", s.bytes.peer ?? 0, a?.bytes.peer),
      row("from mirrors", "bytes.mirror", s.bytes.mirror ?? 0, a?.bytes.mirror),
      row("from the cache", "bytes.cache", s.bytes.cache ?? 0, a?.bytes.cache),
      row("uploaded to peers", "uploaded", s.uploaded, a?.uploaded),
      row(
        "of it, of downloads in progress",
        "uploaded_growing",
        s.uploaded_growing,
        a?.uploaded_growing,
      ),
      wire("mirrors, wire in / out", "mirror"),
      wire("peers, wire in / out", "peer"),
      wire("CONNECT tunnels, in / out", "tunnel"),
    ]),
  );
}

function cache(s: StatusSnapshot): string {
  const d = s.disk;
  const last = d?.last_eviction;
  return card(
    "Cache",
    pairs([
      ["files", figure("cache.files", s.cache?.files)],
      ["size", bytes("cache.bytes", s.cache?.bytes)],
      ["limit (cache.max_size)", d?.max_bytes ? bytes("disk.max_bytes", d.max_bytes) : "none"],
      [
        "free on its file system",
        d
          ? `${bytes("disk.free_bytes", d.free_bytes)} of ${
            bytes("disk.total_bytes", d.total_bytes)
          }`
          : "unknown",
      ],
      [
        "last eviction",
        last
          ? `${when(last.at)}: ${figure("disk.last_eviction.evicted", last.evicted)} evicted, ${
            figure("disk.last_eviction.expired", last.expired)
          } expired, ${bytes("disk.last_eviction.bytes_freed", last.bytes_freed)} freed`
          : "not run yet",
        "",
      ],
      ["downloads in progress", figure("active_downloads", s.active_downloads)],
    ]) + (d ? `<p>In <code>${escapeHtml(d.directory)}</code>.</p>` : ""),
  );
}

function connections(s: StatusSnapshot): string {
  return card(
    "Connections",
    pairs([
      ["open", figure("connections.open", s.connections.open)],
      ["closed: too slow or idle", figure("connections.timed_out", s.connections.timed_out)],
      ["turned away: over the caps", figure("connections.refused", s.connections.refused)],
      ["requests refused", figure("refused", s.refused)],
      [
        "CONNECT tunnels open / opened / failed",
        `${figure("tunnels.open", s.tunnels.open)} / ${
          figure("tunnels.opened", s.tunnels.opened)
        } / ${figure("tunnels.failed", s.tunnels.failed)}`,
      ],
    ]),
  );
}

/** The DHT's state in the words of its log line (`dht.joined`, `dht.waiting`, `dht.not_joined`). */
function dhtStateText(s: StatusSnapshot): [string, string] {
  const d = s.dht!;
  if (d.state === "joined") return ["joined: nodes answer", "good"];
  if (d.state === "waiting") {
    return [
      s.lan.discovery
        ? "waiting: no bootstrap node configured, no apt-dht node found on the LAN yet"
        : "waiting: no bootstrap node configured (dht.bootstrap), nobody has joined through us",
      "",
    ];
  }
  return ["not joined: no node has answered", "bad"];
}

function dht(s: StatusSnapshot): string {
  const d = s.dht;
  if (!d) return card("DHT", "<p>Not running (<code>dht.enabled = false</code>).</p>");
  const methods = [
    ...new Set([
      ...Object.keys(d.counters.queriesSent),
      ...Object.keys(d.counters.queriesReceived),
      ...Object.keys(d.counters.timeoutsByMethod),
    ]),
  ].sort();
  const [state, cls] = dhtStateText(s);
  const queries = methods.map((m) => [
    escapeHtml(m),
    { html: figure(`dht.counters.queriesSent.${m}`, d.counters.queriesSent[m] ?? 0), n: true },
    {
      html: figure(`dht.counters.queriesReceived.${m}`, d.counters.queriesReceived[m] ?? 0),
      n: true,
    },
    {
      html: figure(`dht.counters.timeoutsByMethod.${m}`, d.counters.timeoutsByMethod[m] ?? 0),
      n: true,
    },
  ]);
  return card(
    "DHT",
    pairs([
      [
        "state",
        `<span data-stat="dht.reachable" data-value="${d.reachable}">${escapeHtml(state)}</span>`,
        cls,
      ],
      ["nodes in the routing table", figure("dht.nodes", d.nodes)],
      ["estimated network size", figure("dht.estimatedNodes", d.estimatedNodes)],
      [
        "stored: info-hashes / peers / items / votes",
        `${figure("dht.storedInfoHashes", d.storedInfoHashes)} / ${
          figure("dht.storedPeers", d.storedPeers)
        } / ${figure("dht.storedItems", d.storedItems)} / ${
          figure("dht.storedVotes", d.storedVotes)
        }`,
      ],
      [
        "UDP in / out",
        `${bytes("dht.counters.bytesIn", d.counters.bytesIn)} / ${
          bytes("dht.counters.bytesOut", d.counters.bytesOut)
        }`,
      ],
    ]) + (queries.length
      ? grid(["query", "sent", "received", "timeouts"], queries)
      : "<p>No query yet.</p>"),
  );
}

function lan(s: StatusSnapshot): string {
  const { discovery, advertise } = s.lan;
  const nodes = discovery?.nodes.map((n) => [
    `<code>${escapeHtml(urlHost(n.address))}:${n.port}</code>`,
    escapeHtml(n.interface),
    `<code>${escapeHtml(n.id.slice(0, 12))}</code>`,
    escapeHtml(n.last_seen),
  ]) ?? [];
  return card(
    "LAN",
    pairs([
      [
        "discovery (BEP 14)",
        discovery
          ? `on: ${escapeHtml(discovery.interfaces.join(", ") || "no LAN interface")}`
          : "off (<code>dht.lan_discovery</code>)",
        "",
      ],
      [
        "LAN nodes found",
        discovery ? figure("lan.discovery.nodes.length", discovery.nodes.length) : "–",
      ],
      [
        "mDNS advertising",
        advertise
          ? `<code>${escapeHtml(advertise.service)}</code> on ${
            escapeHtml(advertise.interfaces.join(", ") || "no interface with allowed clients")
          }`
          : "off (<code>server.advertise</code>)",
        "",
      ],
    ]) + (nodes.length ? grid(["node", "interface", "id", "last seen"], nodes) : ""),
  );
}

function privacy(s: StatusSnapshot): string {
  const p = s.privacy;
  if (!p) return "";
  const list = p.vulnerability_list;
  const listText = !list
    ? "none (<code>peers.vulnerability_list</code>)"
    : `<code>${escapeHtml(list.location)}</code>: ${
      list.sources === null
        ? "not read yet"
        : `${figure("privacy.vulnerability_list.sources", list.sources)} source packages with fixes`
    }${list.error ? ` · last read failed: ${escapeHtml(list.error)}` : ""}`;
  return card(
    "Privacy",
    pairs([
      [
        "announces",
        p.announce
          ? "what this machine holds, except what is withheld"
          : "nothing, and serves nothing to peers (<code>peers.announce = false</code>)",
        "",
      ],
      ["files withheld from the DHT", figure("privacy.withheld", p.withheld)],
      [
        "… a newer version is in the security archive",
        figure("privacy.withheld_by_reason.security_update", p.withheld_by_reason.security_update),
      ],
      [
        "… the vulnerability list names a newer fix",
        figure("privacy.withheld_by_reason.vulnerable", p.withheld_by_reason.vulnerable),
      ],
      [
        "packages in the security archive",
        figure("privacy.security_packages", p.security_packages),
      ],
      ["vulnerability list", listText, list?.error ? "bad" : ""],
    ]),
  );
}

/** The whole page. */
export function statusHtml(s: StatusSnapshot): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="30"><title>apt-dht status</title><style>${STYLE}</style></head>
<body><header><h1>apt-dht ${escapeHtml(s.version)}</h1>
<p>listening on <code data-stat="listen">${escapeHtml(s.listen ?? "?")}</code>${
    s.dht ? ` · node id <code data-stat="dht.id">${escapeHtml(s.dht.id)}</code>` : ""
  }${
    s.dht?.publicAddress ? ` · seen as <code>${escapeHtml(s.dht.publicAddress)}</code>` : ""
  } · up ${figure("uptime_seconds", s.uptime_seconds, formatDuration)}</p></header>
<main>${problems(s)}${hitRatio(s)}${cache(s)}${history(s)}${traffic(s)}${connections(s)}${dht(s)}${
    lan(s)
  }${privacy(s)}${clients(s)}${mirrors(s)}${peers(s)}${archives(s)}${hashFailures(s)}</main>
<footer><a href="/stats.json">stats.json</a> · <a href="/metrics">metrics</a> · sizes in binary units (1 KiB = 1024 bytes)</footer>
</body></html>
`;
}
