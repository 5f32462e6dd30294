/**
 * What other nodes store with us: peers per info-hash (BEP 5) and immutable
 * items (BEP 44). Both expire, both are capped in total and per source
 * address, and the oldest entries go first, so memory stays bounded whatever
 * arrives.
 *
 * @module
 */

import {
  ITEM_TTL_MS,
  MAX_INFO_HASHES,
  MAX_ITEMS,
  MAX_ITEMS_PER_SOURCE,
  MAX_PEER_ENTRIES,
  MAX_PEERS_PER_HASH,
  MAX_PEERS_PER_SOURCE,
  PEER_TTL_MS,
} from "./constants.ts";
import type { Endpoint } from "./krpc/compact.ts";
import { idToHex, type NodeId } from "./node_id.ts";

interface PeerEntry {
  readonly peer: Endpoint;
  readonly source: string;
  expires: number;
}

/** Limits of a {@link PeerStore}; defaults from constants.ts. */
export interface StoreLimits {
  maxKeys?: number;
  maxPerKey?: number;
  maxPerSource?: number;
  /** Peers in all. */
  maxTotal?: number;
  ttlMs?: number;
}

/** Counts entries per source address, to cap what one address can make us keep. */
export class SourceCounter {
  #counts = new Map<string, number>();
  add(source: string): void {
    this.#counts.set(source, (this.#counts.get(source) ?? 0) + 1);
  }
  remove(source: string): void {
    const n = (this.#counts.get(source) ?? 1) - 1;
    if (n <= 0) this.#counts.delete(source);
    else this.#counts.set(source, n);
  }
  count(source: string): number {
    return this.#counts.get(source) ?? 0;
  }
}

/** Peers announced for info-hashes. */
export class PeerStore {
  // Map iteration order is insertion order: refreshed entries are re-inserted, so first = oldest.
  #byHash = new Map<string, Map<string, PeerEntry>>();
  #sources = new SourceCounter();
  #size = 0;
  readonly #limits: Required<StoreLimits>;

  constructor(private readonly now: () => number, limits: StoreLimits = {}) {
    this.#limits = {
      maxKeys: limits.maxKeys ?? MAX_INFO_HASHES,
      maxPerKey: limits.maxPerKey ?? MAX_PEERS_PER_HASH,
      maxPerSource: limits.maxPerSource ?? MAX_PEERS_PER_SOURCE,
      maxTotal: limits.maxTotal ?? MAX_PEER_ENTRIES,
      ttlMs: limits.ttlMs ?? PEER_TTL_MS,
    };
  }

  /** Stores (or refreshes) `peer` for `infoHash`, announced from `source`. False when refused. */
  add(infoHash: NodeId, peer: Endpoint, source: string): boolean {
    const key = idToHex(infoHash);
    const peerKey = `${peer.address}|${peer.port}`;
    let peers = this.#byHash.get(key);
    const existing = peers?.get(peerKey);
    if (existing) {
      peers!.delete(peerKey);
      existing.expires = this.now() + this.#limits.ttlMs;
      peers!.set(peerKey, existing);
      this.#byHash.delete(key);
      this.#byHash.set(key, peers!);
      return true;
    }
    if (this.#sources.count(source) >= this.#limits.maxPerSource) return false;
    if (!peers) {
      if (this.#byHash.size >= this.#limits.maxKeys) {
        this.#dropKey(this.#byHash.keys().next().value!);
      }
      peers = new Map();
    } else {
      this.#byHash.delete(key);
      if (peers.size >= this.#limits.maxPerKey) this.#dropPeer(peers, peers.keys().next().value!);
    }
    this.#byHash.set(key, peers);
    if (this.#size >= this.#limits.maxTotal) {
      this.#dropOldest();
      if (!this.#byHash.has(key)) this.#byHash.set(key, peers); // it was the oldest, and emptied
    }
    peers.set(peerKey, { peer, source, expires: this.now() + this.#limits.ttlMs });
    this.#sources.add(source);
    this.#size++;
    return true;
  }

  /** Live peers for `infoHash`, newest first, at most `limit`. */
  get(infoHash: NodeId, limit = Infinity): Endpoint[] {
    const peers = this.#byHash.get(idToHex(infoHash));
    if (!peers) return [];
    const now = this.now();
    const out: Endpoint[] = [];
    for (const entry of [...peers.values()].reverse()) {
      if (entry.expires > now) out.push(entry.peer);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Removes expired entries. */
  expire(): void {
    const now = this.now();
    for (const [key, peers] of this.#byHash) {
      for (const [peerKey, entry] of peers) {
        if (entry.expires <= now) this.#dropPeer(peers, peerKey);
      }
      if (peers.size === 0) this.#byHash.delete(key);
    }
  }

  /** Info-hashes stored. */
  get keys(): number {
    return this.#byHash.size;
  }

  /** Peers stored in all. */
  get size(): number {
    return this.#size;
  }

  #dropPeer(peers: Map<string, PeerEntry>, peerKey: string): void {
    const entry = peers.get(peerKey);
    if (!entry) return;
    peers.delete(peerKey);
    this.#sources.remove(entry.source);
    this.#size--;
  }

  /** The oldest peer of the least recently announced hash (never the one being added to). */
  #dropOldest(): void {
    const [key, peers] = this.#byHash.entries().next().value!;
    const first = peers.keys().next();
    if (!first.done) this.#dropPeer(peers, first.value);
    if (peers.size === 0) this.#byHash.delete(key);
  }

  #dropKey(key: string): void {
    const peers = this.#byHash.get(key)!;
    for (const peerKey of [...peers.keys()]) this.#dropPeer(peers, peerKey);
    this.#byHash.delete(key);
  }
}

interface ItemEntry {
  readonly value: Uint8Array;
  readonly source: string;
  expires: number;
}

/** BEP 44 immutable items, by the SHA-1 of their bencoded value. */
export class ItemStore {
  #items = new Map<string, ItemEntry>();
  #sources = new SourceCounter();

  constructor(
    private readonly now: () => number,
    private readonly limits = {
      maxItems: MAX_ITEMS,
      maxPerSource: MAX_ITEMS_PER_SOURCE,
      ttlMs: ITEM_TTL_MS,
    },
  ) {}

  /** Stores `value` under `key` (the caller checked that key = SHA-1(value)). */
  put(key: NodeId, value: Uint8Array, source: string): boolean {
    const hex = idToHex(key);
    const existing = this.#items.get(hex);
    if (existing) {
      this.#items.delete(hex);
      existing.expires = this.now() + this.limits.ttlMs;
      this.#items.set(hex, existing);
      return true;
    }
    if (this.#sources.count(source) >= this.limits.maxPerSource) return false;
    if (this.#items.size >= this.limits.maxItems) this.#drop(this.#items.keys().next().value!);
    this.#items.set(hex, { value, source, expires: this.now() + this.limits.ttlMs });
    this.#sources.add(source);
    return true;
  }

  get(key: NodeId): Uint8Array | undefined {
    const entry = this.#items.get(idToHex(key));
    return entry && entry.expires > this.now() ? entry.value : undefined;
  }

  expire(): void {
    const now = this.now();
    for (const [hex, entry] of this.#items) if (entry.expires <= now) this.#drop(hex);
  }

  get size(): number {
    return this.#items.size;
  }

  #drop(hex: string): void {
    const entry = this.#items.get(hex);
    if (!entry) return;
    this.#items.delete(hex);
    this.#sources.remove(entry.source);
  }
}
