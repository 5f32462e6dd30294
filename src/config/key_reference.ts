/**
 * Every configuration key with its default and meaning, in Markdown: the
 * one source of the README's key table (tests/project/readme_test.ts holds
 * them equal) and of the CONFIGURATION section of apt-dht(1).
 *
 * @module
 */

/** One key of the configuration file. */
export interface KeyReference {
  /** Dotted, as in the file: `server.port`. */
  readonly key: string;
  /** Markdown. */
  readonly default: string;
  /** Markdown. */
  readonly meaning: string;
}

/** Every key, in the README's order. */
export const KEY_REFERENCE: readonly KeyReference[] = [
  {
    key: "server.listen",
    default: '`"0.0.0.0"`',
    meaning: 'address to bind (`"::"` for IPv6 too)',
  },
  {
    key: "server.port",
    default: "`9977`",
    meaning: "TCP port for HTTP; the DHT will use the same UDP port",
  },
  {
    key: "server.allowed_clients",
    default: '`["127.0.0.0/8", "::1/128"]`',
    meaning:
      "addresses or CIDR blocks that may use the proxy; others get 403 and never cause a fetch",
  },
  {
    key: "server.status_public",
    default: "`false`",
    meaning:
      "`true` shows the status pages (`/`, `/stats.json`, `/metrics`) to any address, not only allowed clients",
  },
  {
    key: "server.advertise",
    default: "`false` (packaged config: `true`)",
    meaning:
      'advertise the proxy over mDNS as `_apt_proxy._tcp` (as squid-deb-proxy does) on each LAN interface whose address is in `allowed_clients` ("The LAN")',
  },
  {
    key: "server.header_timeout",
    default: "`10`",
    meaning:
      "seconds a client has to send a whole request head, from its connection (or, on a kept-alive connection, from the head's first byte); then it is closed",
  },
  {
    key: "server.idle_timeout",
    default: "`30`",
    meaning: "seconds a kept-alive connection may wait for its next request",
  },
  {
    key: "server.send_timeout",
    default: "`60`",
    meaning:
      "seconds a response may wait for the client to take more of it (a wait for peers or the mirror does not count)",
  },
  {
    key: "server.max_connections",
    default: "below the descriptor limit, at most `4096`",
    meaning: "connections open at once; past it a new one is closed at once",
  },
  {
    key: "server.max_connections_per_client",
    default: "`256`",
    meaning:
      "connections open at once from one address in `allowed_clients` (a fleet behind one NAT address)",
  },
  {
    key: "server.max_connections_per_stranger",
    default: "`16`",
    meaning:
      "connections open at once from one address outside `allowed_clients` (a peer asking for files by hash needs a few)",
  },
  {
    key: "server.connect_pass_through",
    default: '`["*"]`',
    meaning:
      'hosts an allowed client may `CONNECT` to on port 443 (https sources in proxy mode): `"*"`, `"*.example.org"` (names under it) or a host name or address',
  },
  {
    key: "cache.directory",
    default: "`/var/cache/apt-dht` (root), else `$XDG_CACHE_HOME/apt-dht` or `~/.cache/apt-dht`",
    meaning: "the cache tree, `<dir>/<host>/<path>`",
  },
  {
    key: "cache.index_freshness",
    default: "`30`",
    meaning:
      "seconds an index file (Release, Packages, …) is served without asking the mirror; then it is revalidated with `If-Modified-Since`/`If-None-Match`",
  },
  {
    key: "cache.max_size",
    default: "`0`",
    meaning:
      'size limit of the cache, as bytes or `"20G"`, `"500M"`; over it the least recently used files go (`0`: no limit)',
  },
  {
    key: "cache.expire_days",
    default: "`30`",
    meaning: "days a pool file stays after no tracked index lists it any more (`0`: keep)",
  },
  {
    key: "cache.extra_directories",
    default: "`[]`",
    meaning:
      'directories whose `.deb` files are shared where they lie, e.g. `["/var/cache/apt/archives"]` (hashed, never moved; announced when a trusted index lists them)',
  },
  {
    key: "state.directory",
    default:
      "`/var/lib/apt-dht` (root), else `$XDG_STATE_HOME/apt-dht` or `~/.local/state/apt-dht`",
    meaning: "where `apt-dht.db` (sqlite) lives",
  },
  {
    key: "upstream.connect_timeout",
    default: "`5`",
    meaning:
      "seconds for a TCP connection to a mirror address (checked by a probe connection beside the request; then the next address)",
  },
  {
    key: "upstream.response_timeout",
    default: "`15`",
    meaning: "seconds for connecting to a mirror and receiving its response headers",
  },
  {
    key: "upstream.idle_timeout",
    default: "`30`",
    meaning: "seconds without a byte before a transfer is abandoned (and resumed)",
  },
  {
    key: "upstream.resume_attempts",
    default: "`3`",
    meaning:
      "how often an interrupted transfer is resumed (`Range` + `If-Range`) before the next upstream is tried",
  },
  {
    key: "upstream.max_connections",
    default: "`4`",
    meaning: "connections at once per mirror host (kept alive and reused); further requests queue",
  },
  {
    key: "upstream.dns_servers",
    default: "`[]`",
    meaning:
      'DNS servers (`"ip"` or `"ip:port"`) the daemon asks for mirror names; empty means the system\'s (`/etc/resolv.conf`)',
  },
  {
    key: "upstream.ca_files",
    default: "`[]`",
    meaning:
      "PEM files of further CAs an https mirror's certificate may chain to, besides the runtime's and the system's bundle (`/etc/ssl/certs/ca-certificates.crt`)",
  },
  {
    key: "log.level",
    default: '`"info"`',
    meaning: "`debug`, `info`, `warn` or `error`",
  },
  {
    key: "dht.enabled",
    default: "`true`",
    meaning: "run the DHT node on UDP `server.port`",
  },
  {
    key: "dht.bootstrap",
    default: "`[]`",
    meaning:
      '`"host:port"` of nodes to join through when the saved routing table gives nothing; empty means the node only answers',
  },
  {
    key: "dht.read_only",
    default: "`false`",
    meaning:
      "BEP 43: our queries say we are read-only, so other nodes leave us out of their tables (set it behind NAT, where nobody can reach us)",
  },
  {
    key: "dht.lan_discovery",
    default: "`false` (packaged config: `true`)",
    meaning:
      'find the other apt-dht daemons on each LAN interface by BEP 14 multicast and join the DHT through them, with no bootstrap node ("The LAN")',
  },
  {
    key: "peers.wait",
    default: "`0.3`",
    meaning:
      "seconds at most to look for peers in the DHT before a download goes on without them (less where lookups find nobody)",
  },
  {
    key: "peers.timeout",
    default: "`3`",
    meaning: "seconds a peer may take to answer, or between bytes, before the next source is asked",
  },
  {
    key: "peers.upload_limit",
    default: "`0`",
    meaning:
      "bytes per second for all uploads to peers together; 0 for no limit (a downloader leaves a peer slower than 16 KiB/s per transfer)",
  },
  {
    key: "peers.share_downloads",
    default: "`true`",
    meaning:
      'share a file while it downloads: announce it at once, let peers follow the download, and decide with them who fetches it from the mirror ("A fleet at once")',
  },
  {
    key: "peers.announce",
    default: "`true`",
    meaning:
      "announce what this machine holds and serve it to peers; `false`: take files from peers but announce nothing and serve nothing to them, for machines that must not reveal what they run",
  },
  {
    key: "peers.withhold_security_updates",
    default: "`true`",
    meaning:
      "keep out of the DHT (never announced, not served to peers, still served to apt) every package a tracked security archive (`<codename>-security`, as apt uses it) lists a newer version of: announcing it would tell the network this machine is behind on a fix",
  },
  {
    key: "peers.vulnerability_list",
    default: '`""` (none)',
    meaning:
      "a vulnerability list in the Debian security tracker's JSON, by absolute path or http(s) URL (read again when the file changes, fetched again every 6 hours; nothing is fetched unless set): a package older than a fix it lists for its release is withheld like the above",
  },
  {
    key: "trust.apt_keyrings",
    default: "`true`",
    meaning:
      "trust the keys apt trusts: `/etc/apt/trusted.gpg`, `/etc/apt/trusted.gpg.d/`, `/usr/share/keyrings/`, `/etc/apt/keyrings/`",
  },
  {
    key: "trust.keyrings",
    default: "`[]`",
    meaning: "further keyring files (binary or armored) whose keys sign archives you trust",
  },
  {
    key: "mirrors.<name>.upstreams",
    default: "none",
    meaning: "a mirror alias: base URLs (http or https), tried in order",
  },
];
