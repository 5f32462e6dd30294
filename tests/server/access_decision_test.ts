/**
 * Every rule of who may have what (src/server/access.ts), as a table: one
 * row per rule, for an allowed client and a stranger, with the status
 * pages closed and open. No daemon: the decision is a pure function.
 */

import assert from "node:assert/strict";
import { type AccessPolicy, allowedClients, decideAccess } from "../../src/server/access.ts";
import { parseCidr } from "../../src/net/mod.ts";

const PORT = 9977;
const SHA256 = "ab".repeat(32);
const SHA1 = "cd".repeat(20);
const VIA = "apt-dht-0123abcd";

const policy = (statusPublic = false): AccessPolicy => ({
  port: PORT,
  mirrors: new Map([
    ["debian", { name: "debian", upstreams: ["http://mirror.test/debian"] }],
    ["internal", { name: "internal", upstreams: ["https://10.0.0.8:8443/debian"] }],
  ]),
  // This machine: loopback and 192.168.1.5 (a request to 192.168.1.9:9977 is for another host).
  isOwnAddress: (address) => address === "127.0.0.1" || address === "192.168.1.5",
  allows: allowedClients(["127.0.0.0/8", "192.168.1.0/24"].map((text) => parseCidr(text)!)),
  statusPublic,
  via: VIA,
  passThrough: ["*.debian.org", "10.0.0.8", "192.168.1.77"],
});

const ALLOWED = "192.168.1.20";
const STRANGER = "203.0.113.7";
const own = `http://127.0.0.1:${PORT}`;

interface Row {
  readonly rule: string;
  readonly method?: string;
  readonly url: string;
  readonly via?: string;
  /** The decision for an allowed client and for a stranger: a kind, or a refusal's status. */
  readonly allowed: string | number;
  readonly stranger: string | number;
  /** The same with server.status_public on, when it differs. */
  readonly strangerStatusPublic?: string | number;
}

const ROWS: readonly Row[] = [
  {
    rule: "an archive file by rewrite path",
    url: `${own}/deb.debian.org/debian/pool/main/h/hello/hello_2.10_amd64.deb`,
    allowed: "archive",
    stranger: 403,
  },
  {
    rule: "an archive file through a mirror alias",
    url: `${own}/debian/dists/stable/InRelease`,
    allowed: "archive",
    stranger: 403,
  },
  {
    rule: "absolute-form (proxy mode) to another host",
    url: "http://deb.debian.org/debian/dists/stable/InRelease",
    allowed: "archive",
    stranger: 403,
  },
  {
    rule: "absolute-form to another machine on our port, rewrite-shaped (port forwarding)",
    url: `http://192.168.1.9:${PORT}/deb.debian.org/debian/dists/stable/InRelease`,
    allowed: "archive",
    stranger: 403,
  },
  {
    rule: "absolute-form https:// (a client that sends it rather than CONNECT)",
    url: "https://deb.debian.org/debian/dists/stable/InRelease",
    allowed: "archive",
    stranger: 403,
  },
  {
    rule: "an https archive file by rewrite path (/https/<host>/…)",
    url: `${own}/https/deb.debian.org/debian/dists/stable/InRelease`,
    allowed: "archive",
    stranger: 403,
  },
  {
    rule: "CONNECT to port 443 of a host the pass-through patterns name",
    method: "CONNECT",
    url: "http://security.debian.org:443",
    allowed: "tunnel",
    stranger: 403,
  },
  {
    rule: "CONNECT to another port (ssh)",
    method: "CONNECT",
    url: "http://security.debian.org:22",
    allowed: 403,
    stranger: 403,
  },
  {
    rule: "CONNECT to a host the patterns do not name",
    method: "CONNECT",
    url: "http://example.org:443",
    allowed: 403,
    stranger: 403,
  },
  {
    rule: "CONNECT to a private address that is not a configured mirror",
    method: "CONNECT",
    url: "http://192.168.1.77:443",
    allowed: 403,
    stranger: 403,
  },
  {
    rule: "CONNECT to a configured https mirror, on its own port at a private address",
    method: "CONNECT",
    url: "http://10.0.0.8:8443",
    allowed: "tunnel",
    stranger: 403,
  },
  {
    rule: "CONNECT without a port",
    method: "CONNECT",
    url: "http://security.debian.org",
    allowed: 400,
    stranger: 403,
  },
  {
    rule: "POST",
    method: "POST",
    url: `${own}/debian/dists/stable/InRelease`,
    allowed: 405,
    stranger: 403,
  },
  {
    rule: "a query string",
    url: `${own}/debian/dists/stable/InRelease?x=1`,
    allowed: 400,
    stranger: 403,
  },
  { rule: "a '..' segment", url: `${own}/debian/a/%2e%2e/b`, allowed: 400, stranger: 403 },
  { rule: "no file named", url: `${own}/deb.debian.org`, allowed: 404, stranger: 403 },
  { rule: "a file by SHA-256 (/~/)", url: `${own}/~/${SHA256}`, allowed: "peer", stranger: "peer" },
  {
    rule: "a piece list by SHA-1 (/~/)",
    url: `${own}/~/${SHA1}`,
    allowed: "peer",
    stranger: "peer",
  },
  {
    rule: "a signed file by its signature's key (/~/signed/)",
    url: `${own}/~/signed/${SHA1}`,
    allowed: "peer",
    stranger: "peer",
  },
  {
    rule: "by hash under the forwarded port's name (any Host)",
    url: `http://198.51.100.1:40000/~/${SHA256}`,
    allowed: "peer",
    stranger: "peer",
  },
  { rule: "anything else under /~/", url: `${own}/~/etc/passwd`, allowed: 404, stranger: 404 },
  {
    rule: "the status page",
    url: `${own}/`,
    allowed: "status",
    stranger: 403,
    strangerStatusPublic: "status",
  },
  {
    rule: "stats.json",
    url: `${own}/stats.json`,
    allowed: "status",
    stranger: 403,
    strangerStatusPublic: "status",
  },
  {
    rule: "metrics",
    url: `${own}/metrics`,
    allowed: "status",
    stranger: 403,
    strangerStatusPublic: "status",
  },
  {
    rule: "a status path on another host is that host's file",
    url: "http://deb.debian.org/metrics",
    allowed: "archive",
    stranger: 403,
  },
  {
    rule: "a request that carries our Via (a loop)",
    url: `${own}/deb.debian.org/debian/dists/stable/InRelease`,
    via: `1.1 proxy.lan, 1.1 ${VIA}`,
    allowed: 508,
    stranger: 403,
  },
  {
    rule: "another proxy's Via is no loop",
    url: `${own}/deb.debian.org/debian/dists/stable/InRelease`,
    via: "1.1 apt-dht-ffffffff",
    allowed: "archive",
    stranger: 403,
  },
];

const outcome = (row: Row, client: string, statusPublic: boolean) => {
  const request = {
    method: row.method ?? "GET",
    url: row.url,
    headers: new Headers(row.via ? { via: row.via } : {}),
  };
  const decision = decideAccess(request, client, policy(statusPublic));
  return decision.kind === "refuse" ? decision.status : decision.kind;
};

for (const row of ROWS) {
  Deno.test(`access: ${row.rule}`, () => {
    assert.equal(outcome(row, ALLOWED, false), row.allowed, "allowed client");
    assert.equal(outcome(row, STRANGER, false), row.stranger, "stranger");
    assert.equal(outcome(row, ALLOWED, true), row.allowed, "allowed client, status public");
    assert.equal(
      outcome(row, STRANGER, true),
      row.strangerStatusPublic ?? row.stranger,
      "stranger, status public",
    );
    // Loopback is allowed here too: the admin's own machine.
    assert.equal(outcome(row, "127.0.0.1", false), row.allowed, "loopback");
  });
}

Deno.test("access: refusals in the peers' namespace are answers, not counted as turned-away clients", () => {
  const request = { method: "GET", url: `${own}/~/nothing`, headers: new Headers() };
  const decision = decideAccess(request, STRANGER, policy());
  assert.deepEqual(
    decision.kind === "refuse" && [decision.status, decision.counted],
    [404, false],
  );
  const stranger = decideAccess({ ...request, url: `${own}/` }, STRANGER, policy());
  assert.deepEqual(
    stranger.kind === "refuse" && [stranger.status, stranger.counted],
    [403, true],
  );
});

Deno.test("access: the archive decision carries the target the pipeline fetches", () => {
  const decision = decideAccess(
    {
      method: "HEAD",
      url: `${own}/debian/pool/main/h/hello/hello_2.10_amd64.deb`,
      headers: new Headers(),
    },
    ALLOWED,
    policy(),
  );
  assert.equal(decision.kind, "archive");
  if (decision.kind !== "archive") return;
  assert.equal(decision.target.key, "debian/pool/main/h/hello/hello_2.10_amd64.deb");
  assert.deepEqual(decision.target.upstreams, [
    "http://mirror.test/debian/pool/main/h/hello/hello_2.10_amd64.deb",
  ]);
});
