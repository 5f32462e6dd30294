/**
 * The configuration of a daemon from its layers: the defaults, then each
 * config file and the command line, later layers winning key by key.
 *
 * @module
 */

import type { Config, Layer } from "./schema.ts";

/** Applies layers, in order, on top of the defaults. Later layers win; mirror aliases merge by name. */
export function mergeLayers(base: Config, layers: readonly Layer[]): Config {
  const all = new Map<string, unknown>();
  const mirrors = new Map(base.mirrors);
  for (const layer of layers) {
    for (const [key, value] of layer.values) all.set(key, value);
    for (const [name, alias] of layer.mirrors) mirrors.set(name, alias);
  }
  const pick = <T>(key: string, fallback: T): T => (all.has(key) ? all.get(key) as T : fallback);
  return {
    server: {
      listen: pick("server.listen", base.server.listen),
      port: pick("server.port", base.server.port),
      allowedClients: pick("server.allowed_clients", base.server.allowedClients),
      statusPublic: pick("server.status_public", base.server.statusPublic),
      advertise: pick("server.advertise", base.server.advertise),
      headerTimeout: pick("server.header_timeout", base.server.headerTimeout),
      idleTimeout: pick("server.idle_timeout", base.server.idleTimeout),
      sendTimeout: pick("server.send_timeout", base.server.sendTimeout),
      maxConnections: pick("server.max_connections", base.server.maxConnections),
      maxConnectionsPerClient: pick(
        "server.max_connections_per_client",
        base.server.maxConnectionsPerClient,
      ),
      maxConnectionsPerStranger: pick(
        "server.max_connections_per_stranger",
        base.server.maxConnectionsPerStranger,
      ),
      connectPassThrough: pick("server.connect_pass_through", base.server.connectPassThrough),
    },
    cache: {
      directory: pick("cache.directory", base.cache.directory),
      indexFreshness: pick("cache.index_freshness", base.cache.indexFreshness),
      maxSize: pick("cache.max_size", base.cache.maxSize),
      expireDays: pick("cache.expire_days", base.cache.expireDays),
      extraDirectories: pick("cache.extra_directories", base.cache.extraDirectories),
    },
    state: { directory: pick("state.directory", base.state.directory) },
    upstream: {
      connectTimeout: pick("upstream.connect_timeout", base.upstream.connectTimeout),
      responseTimeout: pick("upstream.response_timeout", base.upstream.responseTimeout),
      idleTimeout: pick("upstream.idle_timeout", base.upstream.idleTimeout),
      resumeAttempts: pick("upstream.resume_attempts", base.upstream.resumeAttempts),
      maxConnections: pick("upstream.max_connections", base.upstream.maxConnections),
      dnsServers: pick("upstream.dns_servers", base.upstream.dnsServers),
      caFiles: pick("upstream.ca_files", base.upstream.caFiles),
    },
    log: { level: pick("log.level", base.log.level) },
    peers: {
      wait: pick("peers.wait", base.peers.wait),
      timeout: pick("peers.timeout", base.peers.timeout),
      uploadLimit: pick("peers.upload_limit", base.peers.uploadLimit),
      shareDownloads: pick("peers.share_downloads", base.peers.shareDownloads),
      announce: pick("peers.announce", base.peers.announce),
      withholdSecurityUpdates: pick(
        "peers.withhold_security_updates",
        base.peers.withholdSecurityUpdates,
      ),
      vulnerabilityList: pick("peers.vulnerability_list", base.peers.vulnerabilityList),
    },
    dht: {
      enabled: pick("dht.enabled", base.dht.enabled),
      bootstrap: pick("dht.bootstrap", base.dht.bootstrap),
      readOnly: pick("dht.read_only", base.dht.readOnly),
      lanDiscovery: pick("dht.lan_discovery", base.dht.lanDiscovery),
    },
    trust: {
      aptKeyrings: pick("trust.apt_keyrings", base.trust.aptKeyrings),
      keyrings: pick("trust.keyrings", base.trust.keyrings),
    },
    mirrors,
  };
}
