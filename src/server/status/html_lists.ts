/**
 * The status page's lists: problems, clients, mirrors, peers, archives and
 * hash failures.
 *
 * @module
 */

import { urlHost } from "../../net/mod.ts";
import { bytes, card, escapeHtml, figure, grid, share } from "./html_kit.ts";
import type { StatusSnapshot } from "./snapshot.ts";

/** `2026-12-06 17:42:00Z` of an ISO time, or "never". */
export function when(iso: string | null): string {
  return iso ? escapeHtml(iso.replace("T", " ").replace(/\.\d+Z$/, "Z")) : "never";
}

export function problems(s: StatusSnapshot): string {
  return s.problems.map((p) =>
    card(
      escapeHtml(p.what),
      `<p>${escapeHtml(p.detail)} (since ${when(p.since)})</p><p><strong>What to do:</strong> ${
        escapeHtml(p.action)
      }</p>`,
      true,
      "problem",
    )
  ).join("");
}

export function clients(s: StatusSnapshot): string {
  if (!s.clients.length) return card("Clients", "<p>No request yet this run.</p>", true);
  const rows = s.clients.map((c, i) => [
    `<code>${escapeHtml(c.address)}</code>`,
    { html: figure(`clients.${i}.requests`, c.requests), n: true },
    { html: bytes(`clients.${i}.bytes`, c.bytes), n: true },
    { html: figure(`clients.${i}.hits`, c.hits), n: true },
    { html: share(`clients.${i}.hit_ratio`, c.hit_ratio), n: true },
    when(c.last_seen),
  ]);
  return card(
    "Clients",
    `<p>Who used the proxy this run, the latest first.</p>${
      grid(["client", "requests", "served", "from the cache", "hit ratio", "last seen"], rows)
    }`,
    true,
  );
}

export function mirrors(s: StatusSnapshot): string {
  if (!s.mirrors.length) return card("Mirrors", "<p>No mirror asked yet this run.</p>", true);
  const rows = s.mirrors.map((m, i) => [
    `<code>${escapeHtml(`${m.scheme}://${m.host}`)}</code>`,
    { html: figure(`mirrors.${i}.requests`, m.requests), n: true },
    { html: bytes(`mirrors.${i}.bytes`, m.bytes), n: true },
    { html: figure(`mirrors.${i}.errors`, m.errors), n: true, cls: m.errors ? "bad" : "" },
    m.last_error ? `${when(m.last_error_at)}: ${escapeHtml(m.last_error)}` : "none",
    { html: when(m.last_success_at), cls: m.failing ? "bad" : "" },
  ]);
  return card(
    "Mirrors",
    `<p>Requests to each mirror this run; a 404 is an answer, not a failure.</p>${
      grid(["mirror", "requests", "received", "failures", "latest failure", "latest success"], rows)
    }`,
    true,
  );
}

export function peers(s: StatusSnapshot): string {
  if (!s.peers.length) return card("Peers", "<p>None seen yet.</p>", true);
  const rows = s.peers.map((p, i) => [
    `<code>${escapeHtml(urlHost(p.address))}:${p.port}</code>`,
    { html: bytes(`peers.${i}.bytes_down`, p.bytes_down), n: true },
    { html: bytes(`peers.${i}.bytes_up`, p.bytes_up), n: true },
    {
      html: figure(`peers.${i}.hash_errors`, p.hash_errors),
      n: true,
      cls: p.hash_errors ? "bad" : "",
    },
    { html: figure(`peers.${i}.failures`, p.failures), n: true },
    { html: figure(`peers.${i}.voters`, p.voters), n: true, cls: p.voters ? "bad" : "" },
    { html: figure(`peers.${i}.score`, p.score), n: true },
  ]);
  return card(
    "Peers",
    grid(["peer", "from it", "to it", "wrong data", "failures", "voted against", "score"], rows),
    true,
  );
}

export function archives(s: StatusSnapshot): string {
  if (!s.releases.length) return card("Archives", "<p>No Release file seen yet.</p>", true);
  const rows = s.releases.map((r) => [
    escapeHtml(r.release),
    r.trusted ? { html: `signature good (key ${escapeHtml(r.signer ?? "")})`, cls: "good" } : {
      html: `not trusted, so no peers are used: ${escapeHtml(r.reason ?? "")}`,
      cls: "bad",
    },
  ]);
  return card("Archives", grid(["Release", "signature"], rows), true);
}

export function hashFailures(s: StatusSnapshot): string {
  if (!s.hash_failures.length) return "";
  const rows = s.hash_failures.map((f) => [
    when(f.at),
    escapeHtml(f.path),
    escapeHtml(f.source),
    { html: escapeHtml(f.reason), cls: "bad" },
  ]);
  return card(
    "Recent hash failures",
    `<p>Downloads that did not match the archive's hashes: none of their bytes was cached or given out whole.</p>${
      grid(["when", "file", "from", "why"], rows)
    }`,
    true,
  );
}
