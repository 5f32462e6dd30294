/**
 * The configuration's shape, its defaults, and the validation of one raw
 * layer (a TOML file or the command line) into typed values. Every error
 * names the key and where it came from.
 *
 * @module
 */

import { isIP } from "node:net";
import {
  type Authority,
  bareHost,
  type Cidr,
  isHostPattern,
  parseAuthority,
  parseCidr,
} from "../net/mod.ts";
import { LOG_LEVELS, type LogLevel } from "../log/mod.ts";
import { ConfigError } from "./errors.ts";
import { type MirrorAlias, mirrorsOf, parseUpstreamUrl } from "./mirrors.ts";
import {
  boolean,
  byteSize,
  integer,
  isTable,
  type LayerSource,
  nonEmptyString,
  positiveSeconds,
  show,
  wrap,
} from "./values.ts";

export type { LayerSource, MirrorAlias };
export { byteSize, parseUpstreamUrl };

/** The validated configuration of a daemon. */
export interface Config {
  readonly server: {
    /** Address to bind, e.g. `0.0.0.0` or `::`. */
    readonly listen: string;
    /** TCP port for HTTP (the DHT will use the same number on UDP). */
    readonly port: number;
    /** Clients allowed to make the daemon fetch from mirrors. */
    readonly allowedClients: readonly Cidr[];
    /** Whether any address may see the status pages (else only allowed clients). */
    readonly statusPublic: boolean;
    /**
     * Advertise the proxy as `_apt_proxy._tcp` over mDNS (as squid-deb-proxy
     * does), on the interfaces whose addresses are allowed clients.
     */
    readonly advertise: boolean;
    /** Seconds a client has to send a whole request head. */
    readonly headerTimeout: number;
    /** Seconds a kept-alive connection may wait for its next request. */
    readonly idleTimeout: number;
    /** Seconds a response may wait for the client to take more of it. */
    readonly sendTimeout: number;
    /** Connections open at once; undefined: derived from the descriptor limit. */
    readonly maxConnections?: number;
    /** Connections open at once from one allowed client's address. */
    readonly maxConnectionsPerClient: number;
    /** Connections open at once from one address that is not an allowed client. */
    readonly maxConnectionsPerStranger: number;
    /**
     * Hosts an allowed client may `CONNECT` to on port 443 through the proxy
     * (https sources in proxy mode): `*` for any, `*.example.org` for the
     * names under it, or a host name or address. Tunnels are not cached.
     */
    readonly connectPassThrough: readonly string[];
  };
  readonly cache: {
    /** Root of the cache tree (`<dir>/<host>/<path>`). */
    readonly directory: string;
    /** Seconds an index file is served without asking the mirror again. */
    readonly indexFreshness: number;
    /** Size limit in bytes (least recently used files go first); 0 for none. */
    readonly maxSize: number;
    /** Days a pool file stays after no tracked index lists it any more; 0 keeps them. */
    readonly expireDays: number;
    /** Directories whose .deb files are shared where they lie (e.g. /var/cache/apt/archives). */
    readonly extraDirectories: readonly string[];
  };
  readonly state: {
    /** Where the sqlite database lives. */
    readonly directory: string;
  };
  readonly upstream: {
    /** Seconds allowed for a TCP connection to a mirror address to come up. */
    readonly connectTimeout: number;
    /** Seconds allowed for connecting and receiving response headers. */
    readonly responseTimeout: number;
    /** Seconds without a byte before a transfer is abandoned (and resumed). */
    readonly idleTimeout: number;
    /** How often an interrupted transfer is resumed before giving up on a mirror. */
    readonly resumeAttempts: number;
    /** Connections at once per mirror host; further requests wait their turn. */
    readonly maxConnections: number;
    /** DNS servers (`ip` or `ip:port`) for mirror names; the system's when empty. */
    readonly dnsServers: readonly string[];
    /** PEM files of further CAs https mirrors may chain to (besides the system's bundle). */
    readonly caFiles: readonly string[];
  };
  readonly log: { readonly level: LogLevel };
  readonly dht: {
    /** Run the DHT node (UDP, same port as HTTP). */
    readonly enabled: boolean;
    /** Nodes to join through when the saved routing table gives nothing: `host:port`. */
    readonly bootstrap: readonly Authority[];
    /**
     * BEP 43: mark our queries read-only, so other nodes leave us out of
     * their tables (behind NAT, where nobody can reach us anyway).
     */
    readonly readOnly: boolean;
    /** BEP 14: find other apt-dht nodes on each LAN interface by multicast and join through them. */
    readonly lanDiscovery: boolean;
  };
  readonly peers: {
    /** Seconds to look for peers before a download starts without them. */
    readonly wait: number;
    /** Seconds a peer may take to answer, or between bytes, before the next source is tried. */
    readonly timeout: number;
    /** Bytes per second for all uploads to peers together; 0 for no limit. */
    readonly uploadLimit: number;
    /**
     * Share a file while it downloads: peers are told at once, may follow the
     * download, and decide with it who of them fetches from the mirror.
     */
    readonly shareDownloads: boolean;
    /** Announce what this machine holds and serve it to peers (false: use peers, reveal nothing). */
    readonly announce: boolean;
    /** Keep out of the DHT the packages the security archive has a newer version of. */
    readonly withholdSecurityUpdates: boolean;
    /** A vulnerability list (security tracker JSON) to withhold by: a path or URL; "" for none. */
    readonly vulnerabilityList: string;
  };
  readonly trust: {
    /** Read the keys apt trusts (trusted.gpg, trusted.gpg.d, /usr/share/keyrings, /etc/apt/keyrings). */
    readonly aptKeyrings: boolean;
    /** Further keyring files (binary or armored) whose keys sign trusted archives. */
    readonly keyrings: readonly string[];
  };
  readonly mirrors: ReadonlyMap<string, MirrorAlias>;
}

/** The defaults every layer starts from; directories depend on the user. */
export function defaultConfig(
  env: { uid: number | null; home?: string; xdgCache?: string; xdgState?: string },
): Config {
  const root = env.uid === 0;
  const home = env.home ?? ".";
  return {
    server: {
      listen: "0.0.0.0",
      port: 9977,
      allowedClients: ["127.0.0.0/8", "::1/128"].map((text) => parseCidr(text)!),
      statusPublic: false,
      advertise: false,
      headerTimeout: 10,
      idleTimeout: 30,
      sendTimeout: 60,
      maxConnectionsPerClient: 256,
      maxConnectionsPerStranger: 16,
      // Any host: proxy mode must not break an https source that works without it, and only
      // allowed clients (loopback by default) may tunnel, to port 443 of public addresses only.
      connectPassThrough: ["*"],
    },
    cache: {
      directory: root ? "/var/cache/apt-dht" : `${env.xdgCache ?? `${home}/.cache`}/apt-dht`,
      indexFreshness: 30,
      maxSize: 0,
      expireDays: 30,
      extraDirectories: [],
    },
    state: {
      directory: root ? "/var/lib/apt-dht" : `${env.xdgState ?? `${home}/.local/state`}/apt-dht`,
    },
    upstream: {
      connectTimeout: 5,
      responseTimeout: 15,
      idleTimeout: 30,
      resumeAttempts: 3,
      maxConnections: 4,
      dnsServers: [],
      caFiles: [],
    },
    log: { level: "info" },
    // No bootstrap nodes, no multicast: a daemon started with no config never sends a packet
    // beyond the machine (the packaged apt-dht.toml turns LAN discovery and mDNS on).
    dht: { enabled: true, bootstrap: [], readOnly: false, lanDiscovery: false },
    peers: {
      wait: 0.3,
      timeout: 3,
      uploadLimit: 0,
      shareDownloads: true,
      announce: true,
      withholdSecurityUpdates: true,
      vulnerabilityList: "",
    },
    trust: { aptKeyrings: true, keyrings: [] },
    mirrors: new Map(),
  };
}

/** A raw layer: what TOML parsing (or the command line) produced. */
export type RawLayer = Record<string, unknown>;

type Section = Record<string, (value: unknown, key: string) => unknown>;

const SECTIONS: Record<string, Section> = {
  server: {
    listen: (value, key) => {
      const text = nonEmptyString(value, key);
      if (/[\s\/]/.test(text)) {
        throw new TypeError(`${key}: expected an IP address, got ${show(value)}`);
      }
      return text;
    },
    port: integer(0, 65535),
    status_public: boolean,
    advertise: boolean,
    header_timeout: positiveSeconds,
    idle_timeout: positiveSeconds,
    send_timeout: positiveSeconds,
    max_connections: integer(1, 1_000_000),
    max_connections_per_client: integer(1, 1_000_000),
    max_connections_per_stranger: integer(1, 1_000_000),
    connect_pass_through: (value, key) => {
      if (!Array.isArray(value)) {
        throw new TypeError(`${key}: expected a list of host patterns, got ${show(value)}`);
      }
      return value.map((item, i) => {
        if (typeof item !== "string" || !isHostPattern(item)) {
          throw new TypeError(
            `${key}[${i}]: expected "*", "*.example.org" or a host name or address, got ${
              show(item)
            }`,
          );
        }
        return item.toLowerCase();
      });
    },
    allowed_clients: (value, key) => {
      if (!Array.isArray(value)) {
        throw new TypeError(
          `${key}: expected a list of addresses or CIDR blocks, got ${show(value)}`,
        );
      }
      return value.map((item, i) => {
        const cidr = typeof item === "string" ? parseCidr(item) : undefined;
        if (!cidr) {
          throw new TypeError(
            `${key}[${i}]: expected an address or CIDR block like "192.168.0.0/16", got ${
              show(item)
            }`,
          );
        }
        return cidr;
      });
    },
  },
  cache: {
    directory: nonEmptyString,
    index_freshness: (v, k) => v === 0 ? 0 : positiveSeconds(v, k),
    max_size: byteSize,
    expire_days: integer(0, 36500),
    extra_directories: (value, key) => {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || !v.startsWith("/"))) {
        throw new TypeError(
          `${key}: expected a list of absolute directory paths, got ${show(value)}`,
        );
      }
      return value as string[];
    },
  },
  state: { directory: nonEmptyString },
  upstream: {
    connect_timeout: positiveSeconds,
    response_timeout: positiveSeconds,
    idle_timeout: positiveSeconds,
    resume_attempts: integer(0, 100),
    max_connections: integer(1, 64),
    dns_servers: (value, key) => {
      if (!Array.isArray(value)) {
        throw new TypeError(`${key}: expected a list of "ip" or "ip:port", got ${show(value)}`);
      }
      return value.map((item, i) => {
        const authority = typeof item === "string" ? parseAuthority(item) : undefined;
        if (!authority || !isIP(bareHost(authority.host))) {
          throw new TypeError(
            `${key}[${i}]: expected an IP address with an optional port, got ${show(item)}`,
          );
        }
        return item as string;
      });
    },
    ca_files: (value, key) => {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || !v.startsWith("/"))) {
        throw new TypeError(
          `${key}: expected a list of absolute PEM file paths, got ${show(value)}`,
        );
      }
      return value as string[];
    },
  },
  dht: {
    enabled: boolean,
    read_only: boolean,
    lan_discovery: boolean,
    bootstrap: (value, key) => {
      if (!Array.isArray(value)) {
        throw new TypeError(`${key}: expected a list of "host:port", got ${show(value)}`);
      }
      return value.map((item, i) => {
        const authority = typeof item === "string" ? parseAuthority(item) : undefined;
        if (!authority || authority.port === undefined) {
          throw new TypeError(
            `${key}[${i}]: expected "host:port" (e.g. "router.example.org:6881"), got ${
              show(item)
            }`,
          );
        }
        return authority;
      });
    },
  },
  peers: {
    wait: positiveSeconds,
    timeout: positiveSeconds,
    upload_limit: (value, key) => integer(0, Number.MAX_SAFE_INTEGER)(value, key),
    share_downloads: boolean,
    announce: boolean,
    withhold_security_updates: boolean,
    vulnerability_list: (value, key) => {
      const location = typeof value === "string" ? value : undefined;
      if (location === undefined || (location && !/^(\/|https?:\/\/)/.test(location))) {
        throw new TypeError(
          `${key}: expected an absolute path or an http(s) URL, got ${show(value)}`,
        );
      }
      return location;
    },
  },
  trust: {
    apt_keyrings: boolean,
    keyrings: (value, key) => {
      if (!Array.isArray(value)) {
        throw new TypeError(`${key}: expected a list of keyring file paths, got ${show(value)}`);
      }
      return value.map((item, i) => nonEmptyString(item, `${key}[${i}]`));
    },
  },
  log: {
    level: (value, key) => {
      if (!LOG_LEVELS.includes(value as LogLevel)) {
        throw new TypeError(`${key}: expected one of ${LOG_LEVELS.join(", ")}, got ${show(value)}`);
      }
      return value;
    },
  },
};

/** Every `section.key` a config file may set (besides `mirrors.<name>.upstreams`). */
export const CONFIG_KEYS: readonly string[] = Object.entries(SECTIONS).flatMap((
  [section, fields],
) => Object.keys(fields).map((field) => `${section}.${field}`));

/** The validated, still partial, content of one layer. */
export interface Layer {
  readonly values: Map<string, unknown>;
  readonly mirrors: Map<string, MirrorAlias>;
}

/** Validates one raw layer; unknown sections and keys are errors. */
export function validateLayer(raw: RawLayer, source: LayerSource): Layer {
  const values = new Map<string, unknown>();
  let mirrors = new Map<string, MirrorAlias>();
  for (const [sectionName, sectionValue] of Object.entries(raw)) {
    if (sectionName === "mirrors") {
      mirrors = mirrorsOf(sectionValue, source);
      continue;
    }
    const section = SECTIONS[sectionName];
    if (!section) {
      throw new ConfigError(
        source,
        sectionName,
        `unknown section (expected one of: ${[...Object.keys(SECTIONS), "mirrors"].join(", ")})`,
      );
    }
    if (!isTable(sectionValue)) {
      throw new ConfigError(source, sectionName, `expected a table, got ${show(sectionValue)}`);
    }
    for (const [field, value] of Object.entries(sectionValue)) {
      const key = `${sectionName}.${field}`;
      const check = section[field];
      if (!check) {
        throw new ConfigError(
          source,
          key,
          `unknown key (expected one of: ${Object.keys(section).join(", ")})`,
        );
      }
      values.set(key, wrap(source, () => check(value, key)));
    }
  }
  return { values, mirrors };
}
