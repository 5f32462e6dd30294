/**
 * The Kademlia DHT, wire-compatible with BitTorrent's mainline DHT (BEP 5,
 * with BEP 32 IPv6 nodes, BEP 42 secure ids and BEP 44 immutable items).
 *
 * @module
 */
export { MAX_ITEM_VALUE_BYTES } from "./constants.ts";
export type { Endpoint } from "./krpc/compact.ts";
export type { Vote } from "./krpc/messages.ts";
export { signedPart, voteIsCurrent } from "./vote.ts";
export type { LookupResult } from "./lookup.ts";
export { DhtNode } from "./node.ts";
export { idFromHex, idToHex, type NodeId, randomId } from "./node_id.ts";
export { RateLimiter } from "./rate_limit.ts";
export { dhtState, type DhtStats } from "./stats.ts";
export { UdpSocket } from "./socket.ts";
export { SqliteDhtStateStore } from "./state_store.ts";
