/**
 * The Kademlia DHT, wire-compatible with BitTorrent's mainline DHT (BEP 5,
 * with BEP 32 IPv6 nodes, BEP 42 secure ids and BEP 44 immutable items).
 *
 * @module
 */
export * from "./constants.ts";
export * from "./errors.ts";
export * from "../util/clock.ts";
export * from "./node_id.ts";
export * from "./bep42.ts";
export * from "./krpc/compact.ts";
export * from "./krpc/messages.ts";
export * from "./krpc/codec.ts";
export * from "./socket.ts";
export * from "./routing_table.ts";
export * from "./tokens.ts";
export * from "./storage.ts";
export * from "./size_estimate.ts";
export * from "./lookup.ts";
export * from "./state_store.ts";
export * from "./node.ts";
export * from "./lookup_variants.ts";
export * from "./rate_limit.ts";
