/**
 * Turning an HTTP request into what it asks for, or into an explicit
 * refusal. Paths are decoded segment by segment and rejected early when they
 * could escape the cache tree or name something that is not a host.
 *
 * @module
 */

import type { MirrorAlias } from "../config/mod.ts";
import { isIP } from "node:net";
import { bareHost, isLocalAddress, parseAuthority } from "../net/mod.ts";

/**
 * The first segment of the rewrite form for https archives:
 * `/https/<host>/<path>` is fetched from `https://<host>/<path>`. It has no
 * dot and no colon, so it is no rewrite-form host; a mirror alias may not
 * take the name (config/mirrors.ts). The cache key keeps it, so an archive
 * fetched over TLS never shares its Release with the same host's http one.
 */
export const HTTPS_SEGMENT = "https";

/** A file of an archive, wherever it is fetched from. */
export interface ArchiveTarget {
  readonly kind: "archive";
  /** How apt addressed it. */
  readonly mode: "rewrite" | "proxy" | "alias";
  /** `<site>/<path>`: the cache key and the archive URL in the index. */
  readonly key: string;
  /** Upstream URLs to try, in order. */
  readonly upstreams: readonly string[];
}

/** The daemon's own pages. */
export interface LocalTarget {
  readonly kind: "local";
  readonly path: string;
}

/** A peer asking for a cached file by the SHA-256 of its content. */
export interface PeerFileTarget {
  readonly kind: "peer-file";
  /** Lower-case hex. */
  readonly sha256: string;
}

/** A peer asking for a piece list by its SHA-1. */
export interface PeerPieceListTarget {
  readonly kind: "peer-piece-list";
  /** Lower-case hex. */
  readonly sha1: string;
}

/**
 * A peer asking for a signed file (a Release) by its signature's DHT key:
 * what the asker knows is the detached signature, not the content's hash.
 */
export interface PeerSignedTarget {
  readonly kind: "peer-signed";
  /** Lower-case hex of the 160-bit key (`signatureDhtKey`). */
  readonly key: string;
}

/** A `CONNECT host:port` from a client in proxy mode: a tunnel, not a file. */
export interface TunnelTarget {
  readonly kind: "tunnel";
  /** Lower case; IPv6 literals without brackets. */
  readonly host: string;
  readonly port: number;
}

/** A request refused before anything was fetched. */
export interface RefusedTarget {
  readonly kind: "refused";
  readonly status: 400 | 404 | 405;
  readonly reason: string;
  /** In the peers' namespace (`/~/`), which any address may use. */
  readonly public?: boolean;
}

/** What a request asks for. */
export type RequestTarget =
  | ArchiveTarget
  | LocalTarget
  | PeerFileTarget
  | PeerPieceListTarget
  | PeerSignedTarget
  | TunnelTarget
  | RefusedTarget;

/** Paths the daemon answers itself (status pages). */
const LOCAL_PATHS = new Set(["/", "/stats.json", "/metrics", "/favicon.ico"]);

const refuse = (status: RefusedTarget["status"], reason: string): RefusedTarget => ({
  kind: "refused",
  status,
  reason,
});

/**
 * Splits a raw (still percent-encoded) path into decoded segments, refusing
 * `..` however it is spelled, encoded slashes, backslashes and control
 * characters. Empty and `.` segments are dropped, as a web server would.
 */
export function decodePathSegments(rawPath: string): string[] | RefusedTarget {
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let segment = raw;
    try {
      if (raw.includes("%")) segment = decodeURIComponent(raw);
    } catch {
      return refuse(400, "malformed percent-encoding in path");
    }
    if (segment === ".") continue; // flat repositories ("deb http://host/repo ./") produce these
    if (segment === "..") return refuse(400, "'..' segments are not allowed in paths");
    if (/[\/\\]/.test(segment)) return refuse(400, "encoded slashes are not allowed in paths");
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x1f\x7f]/.test(segment)) {
      return refuse(400, "control characters are not allowed in paths");
    }
    segments.push(segment);
  }
  return segments;
}

function encodePath(segments: readonly string[]): string {
  return segments.map((segment) => encodeURIComponent(segment).replace(/%7E/g, "~")).join("/");
}

/**
 * The archive file a cache key names, for the daemon's own fetches (pdiff
 * patches, whole indexes): an alias's upstreams, or the host itself.
 */
export function archiveTargetOf(
  key: string,
  mirrors: ReadonlyMap<string, MirrorAlias>,
): ArchiveTarget {
  const [site, ...path] = key.split("/");
  const alias = mirrors.get(site);
  if (alias) {
    return {
      kind: "archive",
      mode: "alias",
      key,
      upstreams: alias.upstreams.map((base) => `${base}/${encodePath(path)}`),
    };
  }
  const https = site === HTTPS_SEGMENT;
  const [host, ...rest] = https ? path : [site, ...path];
  return hostTarget("rewrite", https, host, rest);
}

/**
 * The file at `path` of the archive host `authority` (`host[:port]`), over
 * https or http: keyed `[https/]<authority>/<path>` (the https form's key
 * keeps its segment), fetched from that URL.
 */
function hostTarget(
  mode: ArchiveTarget["mode"],
  https: boolean,
  authority: string,
  path: readonly string[],
): ArchiveTarget {
  return {
    kind: "archive",
    mode,
    key: `${https ? `${HTTPS_SEGMENT}/` : ""}${authority}/${path.join("/")}`,
    upstreams: [`${https ? "https" : "http"}://${authority}/${encodePath(path)}`],
  };
}

/** Facts the classifier needs about this daemon. */
export interface TargetContext {
  /** The TCP port the daemon listens on (a request to another port is proxy mode). */
  readonly port: number;
  readonly mirrors: ReadonlyMap<string, MirrorAlias>;
  /**
   * Whether an IP address is this machine's. A target on our port whose host
   * is another machine's address is ours only with a rewrite-shaped path (as
   * behind NAT); otherwise it is a proxy request to a mirror that happens to
   * use our port number. Names are taken as ours on our port: resolving each
   * would cost a lookup per new name.
   */
  readonly isOwnAddress?: (address: string) => boolean;
}

/** The parts of a request's origin the classifier reads. */
interface Origin {
  readonly protocol: string;
  /** `host[:port]` as the URL parser normalised it. */
  readonly host: string;
  /** The host without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
}

/** Origins already parsed: apt sends thousands of requests to a handful of them. */
const origins = new Map<string, Origin | null>();
const ORIGINS_KEPT = 256;

/** `scheme://authority/` parsed by the URL parser (once per origin), or null if it is not one. */
function originOf(text: string): Origin | null {
  let origin = origins.get(text);
  if (origin !== undefined) return origin;
  try {
    const url = new URL(text);
    origin = {
      protocol: url.protocol,
      host: url.host,
      hostname: bareHost(url.hostname),
      port: url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port),
    };
  } catch {
    origin = null;
  }
  if (origins.size >= ORIGINS_KEPT) origins.clear(); // a scan of many names: start over
  origins.set(text, origin);
  return origin;
}

/**
 * Classifies a request. apt's proxy mode sends absolute-form targets
 * (`GET http://deb.debian.org/debian/...`), which arrive with the mirror's
 * host and port in the URL; everything addressed to our own port is ours:
 * a status page, `/<alias>/…` or `/<host>/…`.
 */
export function classifyRequest(
  request: Pick<Request, "method" | "url">,
  context: TargetContext,
): RequestTarget {
  if (request.method === "CONNECT") return tunnelTarget(request.url);
  if (request.method !== "GET" && request.method !== "HEAD") {
    return refuse(405, `method ${request.method} is not supported`);
  }
  // The raw target: `new URL()` would silently resolve `..` and `%2e%2e`, hiding traversal attempts.
  const parts = /^(https?):\/\/([^\/?#]*)([^?#]*)(\?[^#]*)?/i.exec(request.url);
  if (!parts) return refuse(400, "unparseable request target");
  if (parts[4]) return refuse(400, "query strings are not proxied");
  const url = originOf(`${parts[1]}://${parts[2]}/`);
  if (!url) return refuse(400, `not a host name: ${parts[2]}`);
  const rawPath = parts[3] || "/";
  const { port, hostname: host } = url;
  const ownHost = isIP(host) === 0 || (context.isOwnAddress ?? isLocalAddress)(host);
  const ours = port === context.port && ownHost;
  if (ours && LOCAL_PATHS.has(rawPath)) return { kind: "local", path: rawPath };
  // The peers' namespace, whatever the Host says: behind port forwarding a peer names the
  // forwarded port, and no archive apt proxies for has a top-level "~".
  if (rawPath.startsWith("/~/")) {
    // Peers name files by hash only: nothing under /~/ maps to a path.
    const hex = /^\/~\/([0-9a-fA-F]{64}|[0-9a-fA-F]{40})$/.exec(rawPath)?.[1].toLowerCase();
    if (hex?.length === 64) return { kind: "peer-file", sha256: hex };
    if (hex?.length === 40) return { kind: "peer-piece-list", sha1: hex };
    const signed = /^\/~\/signed\/([0-9a-fA-F]{40})$/.exec(rawPath)?.[1].toLowerCase();
    if (signed) return { kind: "peer-signed", key: signed };
    return { ...refuse(404, "no such file"), public: true };
  }

  const segments = decodePathSegments(rawPath);
  if (!Array.isArray(segments)) return segments;

  // Another machine's address on our port: a mirror that listens there (proxy mode), or a client
  // that reaches us through port forwarding or NAT (rewrite mode). A rewrite path starts with an
  // alias, the https form's segment or a host name; a mirror's archive path does not.
  const forwarded = port === context.port && !ownHost && segments.length >= 2 &&
    (context.mirrors.has(segments[0]) || segments[0] === HTTPS_SEGMENT ||
      /[.:]/.test(segments[0]));
  if (!ours && !forwarded) {
    const authority = parseAuthority(url.host);
    if (!authority) return refuse(400, `not a host name: ${url.host}`);
    if (segments.length === 0) return refuse(404, "no file named");
    // An absolute-form https:// target (apt sends CONNECT instead; other clients may not).
    return hostTarget("proxy", url.protocol === "https:", authority.text, segments);
  }

  if (segments.length < 2) return refuse(404, "expected /<host or mirror alias>/<path>");
  if (segments[0] === HTTPS_SEGMENT) return httpsRewrite(segments.slice(1));
  const [site, ...path] = segments;
  const alias = context.mirrors.get(site);
  if (alias) {
    return {
      kind: "archive",
      mode: "alias",
      key: `${alias.name}/${path.join("/")}`,
      upstreams: alias.upstreams.map((base) => `${base}/${encodePath(path)}`),
    };
  }
  const authority = parseAuthority(site);
  if (!authority) return refuse(400, `not a host name or mirror alias: ${site}`);
  return hostTarget("rewrite", false, authority.text, path);
}

/** `/https/<host>/<path…>`: the archive at `https://<host>/<path…>`. */
function httpsRewrite(segments: readonly string[]): RequestTarget {
  if (segments.length < 2) return refuse(404, "expected /https/<host>/<path>");
  const [site, ...path] = segments;
  const authority = parseAuthority(site);
  if (!authority) return refuse(400, `not a host name: ${site}`);
  return hostTarget("rewrite", true, authority.text, path);
}

/**
 * `CONNECT host:port` (authority-form; the HTTP layer hands it over as
 * `http://host:port`): both parts are required, nothing else may follow.
 */
function tunnelTarget(url: string): TunnelTarget | RefusedTarget {
  const authority = parseAuthority(url.replace(/^http:\/\//i, ""));
  if (!authority || authority.port === undefined) {
    return refuse(400, "CONNECT needs a target of the form host:port");
  }
  return { kind: "tunnel", host: bareHost(authority.host), port: authority.port };
}
