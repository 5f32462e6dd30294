/**
 * Every tunable of the DHT in one place. Values follow BEP 5 and the
 * archive's history of this project (retransmission schedule, packet size).
 *
 * @module
 */

/** Bucket size and the size of a lookup's closest set (BEP 5: 8, as every mainline client). */
export const K = 8;
/** Parallel queries in a lookup (Kademlia's α = 3: more sends more for little speed). */
export const ALPHA = 3;
/** Bytes in a node id and an info-hash (SHA-1, BEP 5). */
export const ID_BYTES = 20;

/**
 * A query is sent again after each of these delays (ms from the previous
 * send) but the last, after which the node is unreachable (2 + 4 + 8 s).
 */
export const RETRANSMIT_AFTER_MS = [2000, 4000, 8000] as const;

/** Largest UDP payload we ever send (Ethernet MTU minus IPv4 and UDP headers). */
export const MAX_PACKET_BYTES = 1472;
/** Nodes in a find_node / get_peers reply (BEP 5 says K). */
export const MAX_NODES_IN_REPLY = K;
/** Peers put in one get_peers reply before trimming to the packet size. */
export const VALUES_PER_REPLY = 100;
/**
 * Values in one datagram, containers included: a KRPC message has a few
 * dozen, the largest answers seen (get_peers with 100 values or more) a
 * few hundred. Past it the datagram is malformed, before any more work.
 */
export const MAX_KRPC_ITEMS = 1024;
/** `want` entries looked at: there are two families ("n4", "n6"), the rest are ignored. */
export const MAX_WANT_READ = 4;
/**
 * Nodes read from one `nodes` or `nodes6` string: BEP 5 sends K (8),
 * bittorrent-dht sends 20; the rest of a longer list is dropped.
 */
export const MAX_NODES_READ = 32;
/** Peers read from one answer's `values`: we send at most VALUES_PER_REPLY; the rest is dropped. */
export const MAX_VALUES_READ = 200;
/**
 * Candidates one lookup keeps, nearest first: every answer adds up to
 * MAX_NODES_READ per family, and inserting keeps the list sorted, so an
 * unbounded list would make a long lookup quadratic. The farthest
 * candidate whose query is not in flight goes first.
 */
export const MAX_LOOKUP_CANDIDATES = 512;
/**
 * Queries one lookup sends at most. A lookup in the public DHT (millions
 * of nodes) asks 30 to 100; nodes that keep answering with ever closer
 * made-up ids must not keep one going for ever.
 */
export const MAX_LOOKUP_QUERIES = 256;
/** Malformed packets shorter than this get no error reply (no amplification of tiny junk). */
export const MIN_BYTES_FOR_ERROR_REPLY = 24;

/** A bucket not touched for this long is refreshed by a lookup of a random id in it (BEP 5: 15 min). */
export const BUCKET_REFRESH_MS = 15 * 60_000;
/** A node not heard from for this long is questionable and pinged before eviction (BEP 5: 15 min). */
export const NODE_QUESTIONABLE_MS = 15 * 60_000;
/** Failed queries after which a node is bad and replaced: one lost datagram is not enough. */
export const NODE_MAX_FAILURES = 2;
/** Replacement candidates kept per bucket: one bucket's worth, ready when its nodes go bad. */
export const REPLACEMENT_CACHE_SIZE = 8;

/** Write-token secret rotation; the previous secret stays valid for one more period (BEP 5: tokens up to 10 min old). */
export const TOKEN_ROTATE_MS = 5 * 60_000;

/** Stored peers expire unless announced again (clients re-announce every 15 to 30 min). */
export const PEER_TTL_MS = 30 * 60_000;
/** Info-hashes we store peers for, at most: a fleet's archive is a few thousand files, strangers fill the rest. */
export const MAX_INFO_HASHES = 20_000;
/** Peers kept per info-hash: more than one reply carries (VALUES_PER_REPLY), for a fleet's worth of holders. */
export const MAX_PEERS_PER_HASH = 500;
/** Peers kept in all (without it, 20,000 hashes × 500 peers could be asked of us). */
export const MAX_PEER_ENTRIES = 100_000;
/**
 * Peers one source address may hold in our store: a fifth of it. A daemon
 * announces every file it caches, and in a private DHT each node stores a
 * K/N share of them (a 20,000-file cache among 700 reachable nodes: about
 * 230 per node, more for nodes with wide gaps around them; among 10 nodes:
 * 16,000). At 200, most of a large cache could not be stored, so could not
 * be found (the simulation showed it: scripts/dht_sim/announce_load.ts).
 */
export const MAX_PEERS_PER_SOURCE = 20_000;
/** BEP 44 items one source address may hold in our store: a tenth of it (a daemon puts a few piece lists). */
export const MAX_ITEMS_PER_SOURCE = 1_000;
/** BEP 44 immutable items kept: 10,000 × ~1.2 KB stays within the memory budget below. */
export const MAX_ITEMS = 10_000;
/** An item's lifetime unless put again (BEP 44 suggests 2 hours). */
export const ITEM_TTL_MS = 2 * 60 * 60_000;
/** BEP 44: largest bencoded value. */
export const MAX_ITEM_VALUE_BYTES = 1000;

/**
 * What all the DHT's state may take, whatever strangers send: stored peers
 * (100,000 × ~250 B ≈ 25 MB with their hashes' maps), items (10,000 ×
 * ~1.2 KB ≈ 12 MB), votes (2,000 targets × 16 × ~300 B ≈ 10 MB),
 * rate-limit buckets (10,000 × ~150 B), the routing table and lookups (well
 * under 1 MB). Checked by a flood test (tests/dht/flood_memory_test.ts).
 */
export const DHT_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * Incoming queries allowed per source address, a token bucket: an honest
 * node sends a few a second (a lookup's α in flight); 50 leaves room for a
 * NAT of many clients and stops one address from costing us more.
 */
export const RATE_LIMIT_PER_SECOND = 50;
/** The bucket's burst: two seconds' worth, for a node joining with many lookups at once. */
export const RATE_LIMIT_BURST = 100;
/** Source addresses tracked by the rate limiter before the oldest are forgotten (10,000 × ~150 B of the budget). */
export const RATE_LIMIT_TRACKED = 10_000;

/** Weight of the newest lookup in the smoothed network-size estimate: about the last ten lookups count. */
export const SIZE_ESTIMATE_WEIGHT = 0.1;

/** BEP 42 is enforced on routing-table entries once the table holds this many nodes (a small private DHT has no NAT-proof ids to spare). */
export const BEP42_ENFORCE_FROM_NODES = 2000;

/**
 * A lookup stops waiting for a query after a few of this node's usual
 * round trips (the RPC layer still retransmits it, and a late answer still
 * counts): under loss, a lost query holding a slot for a full second made
 * lookups slow. STALE_RTT_FACTOR times the 90th percentile of recent round
 * trips, within these bounds; the upper one until enough were measured. The
 * lower one is for a LAN (round trips under a millisecond), where a dead or
 * lost node cost 300 ms of a 300 ms `peers.wait` (scripts/bench/dht_targets.ts).
 */
export const LOOKUP_STALE_MAX_MS = 1000;
export const LOOKUP_STALE_MIN_MS = 50;
export const STALE_RTT_FACTOR = 3;
/**
 * With nobody left to ask, a lookup waits this long more on queries gone
 * stale before it ends: the stale mark follows this node's usual round
 * trips, which may be far shorter than these nodes' (measured on a LAN,
 * asking the internet).
 */
export const LOOKUP_STALE_GRACE_MS = 1000;
/** Round trips remembered for that (first transmissions only: a retransmission's answer is ambiguous). */
export const RTT_SAMPLES = 64;
/** Round trips measured before they set the stale mark. */
export const RTT_MIN_SAMPLES = 16;
/** Addresses that must agree on our public address (BEP 42 `ip`) before we adopt it: one liar cannot move it. */
export const PUBLIC_ADDRESS_VOTES = 3;
/** Candidate public addresses tracked while votes come in; the oldest is forgotten first. */
export const PUBLIC_ADDRESS_CANDIDATES = 16;
/** Pings of new or questionable nodes in flight at most: a flood of new nodes cannot make us flood pings. */
export const MAX_CONCURRENT_PINGS = 64;
/** Queriers pinged back, remembered (for NODE_QUESTIONABLE_MS) so each is pinged once. */
export const PINGED_BACK_REMEMBERED = 4096;
/** How often the node sweeps storage and refreshes stale buckets: fine enough for 15-min periods. */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/** Ed25519 public keys and signatures (votes). */
export const VOTE_KEY_BYTES = 32;
export const VOTE_SIG_BYTES = 64;
/** Votes read from one answer: more than VOTES_PER_REPLY is never sent. */
export const MAX_VOTES_READ = 16;
/**
 * Votes in one `get` answer: a vote is about 170 bytes on the wire (180 for
 * IPv6), and 5 fit in 1,472 beside the 8 closest nodes and the token. Two
 * voters already make a peer avoided, so a reader needs no more.
 */
export const VOTES_PER_REPLY = 5;
/** Voters kept per accused peer: past two the peer is avoided; more are spares against churn. */
export const MAX_VOTES_PER_TARGET = 16;
/** Accused peers we hold votes for: 2,000 × 16 × ~300 B ≈ 10 MB of the memory budget at most. */
export const MAX_VOTE_TARGETS = 2_000;
/** Votes one source address may hold with us, over all targets (a daemon accuses few peers). */
export const MAX_VOTES_PER_SOURCE = 64;
/**
 * Vote signatures checked per second, from everyone together; past it a
 * vote is refused (202) unchecked. A check takes about 55 µs, but under a
 * flood its allocations raised the node's RSS by some 25 MiB at 200 a
 * second (tests/dht/flood_memory_test.ts). Honest daemons publish a vote
 * now and then.
 */
export const MAX_VOTE_CHECKS_PER_SECOND = 100;
/** A vote's lifetime in our store unless put again (as BEP 44 items). */
export const VOTE_TTL_MS = 2 * 60 * 60_000;
/** A vote counts for a day from the wrong data it is about, as the voter's own blame does. */
export const VOTE_LIFETIME_MS = 24 * 60 * 60_000;
/** A vote dated later than this ahead of our clock is refused (clocks drift, not by hours). */
export const VOTE_CLOCK_SKEW_MS = 60 * 60_000;
