/**
 * LAN discovery (BEP 14) and mDNS advertising: addresses, periods and the
 * bounds on what a stranger on the LAN can make us do.
 *
 * @module
 */

/** BEP 14's IPv4 group and port. */
export const LSD_GROUP_V4 = "239.192.152.143";
/** BEP 14's IPv6 group (organisation-local scope). */
export const LSD_GROUP_V6 = "ff15::efc0:988f";
/** BEP 14's port, for both groups. */
export const LSD_PORT = 6771;

/**
 * The info-hash apt-dht nodes announce on the LAN: SHA-1 of
 * "apt-dht LAN discovery (BEP 14)". BitTorrent clients on the same LAN
 * ignore it (they hold no such torrent); apt-dht ignores every other one.
 */
export const APT_DHT_LAN_INFOHASH = "c81a44384c96b2bcd0b163bb92480bf55fc90628";

/** Re-announce on every LAN interface this often (BEP 14 asks for no more than once a minute). */
export const ANNOUNCE_INTERVAL_MS = 60_000;
/** An announce in answer to a newly found node waits at least this long after the last one. */
export const ANSWER_ANNOUNCE_GAP_MS = 2_000;
/** How often the interfaces are listed again (an interface that came up is announced on). */
export const INTERFACE_POLL_MS = 5_000;
/** How often every LAN node found is pinged; one that does not answer is forgotten. */
export const NODE_CHECK_INTERVAL_MS = 15_000;

/** Announces accepted per second from one sender address: an honest node sends one a minute, and one per answer. */
export const ANNOUNCES_PER_SENDER_PER_SECOND = 2;
/** The burst one sender is allowed: a node starting on several interfaces at once. */
export const ANNOUNCES_PER_SENDER_BURST = 5;
/** Announces accepted per second from the whole LAN (a token bucket); the rest are dropped. */
export const ACCEPTED_ANNOUNCES_PER_SECOND = 20;
/** The burst the bucket allows. */
export const ACCEPTED_ANNOUNCES_BURST = 40;
/** A datagram larger than this is no announce of ours (ours are under 200 bytes). */
export const MAX_ANNOUNCE_BYTES = 1_024;
/** Header lines read from one announce. */
export const MAX_ANNOUNCE_LINES = 16;
/** LAN nodes remembered at once. */
export const MAX_LAN_NODES = 64;
/** Pings to announced endpoints in flight at once; announces beyond are dropped. */
export const MAX_PINGS_IN_FLIGHT = 8;
/** An endpoint that did not answer is not pinged again for this long. */
export const UNANSWERED_BACKOFF_MS = 60_000;
/** Endpoints remembered as unanswered (oldest forgotten first). */
export const MAX_UNANSWERED = 1_024;
/** A join lookup through LAN nodes runs at most this often. */
export const JOIN_GAP_MS = 10_000;

/** mDNS: the service type squid-deb-proxy advertises and its clients browse. */
export const APT_PROXY_SERVICE = "_apt_proxy._tcp.local";
/** mDNS: the DNS-SD meta-query for service types. */
export const DNS_SD_SERVICES = "_services._dns-sd._udp.local";
/** mDNS: TTL of our records (RFC 6762 §10: 120 s for records with host names, 75 min otherwise). */
export const MDNS_TTL_SECONDS = 120;
/** mDNS: announcements at start, one second apart (RFC 6762 §8.3: at least two). */
export const MDNS_ANNOUNCEMENTS = 2;
/** mDNS: queries answered per second per interface; the rest are dropped. */
export const MDNS_ANSWERS_PER_SECOND = 20;
