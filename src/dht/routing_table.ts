/**
 * The Kademlia routing table: buckets of K contacts by shared-prefix length
 * with our id. Only the bucket that holds our own id splits; a full bucket
 * keeps newcomers in a replacement cache, and asks for its least recently
 * seen questionable node to be pinged before anyone is evicted.
 *
 * @module
 */

import {
  ID_BYTES,
  K,
  NODE_MAX_FAILURES,
  NODE_QUESTIONABLE_MS,
  REPLACEMENT_CACHE_SIZE,
} from "./constants.ts";
import type { Contact } from "./krpc/compact.ts";
import { commonPrefixLength, compareDistance, idToHex, type NodeId, sameId } from "./node_id.ts";

/** A contact in the table, with what we know of its health. */
export interface TableEntry extends Contact {
  lastSeen: number;
  failures: number;
}

interface Bucket {
  entries: TableEntry[]; // least recently seen first
  replacements: TableEntry[]; // newest last
  lastChanged: number;
}

/** What happened to a contact offered to the table. */
export type InsertResult =
  | { readonly kind: "added" | "updated" | "cached" | "rejected" }
  /** The bucket is full; ping this node and call {@link RoutingTable.fail} if it does not answer. */
  | { readonly kind: "ping"; readonly questionable: TableEntry };

/** The routing table of one node. */
export class RoutingTable {
  #buckets: Bucket[];

  constructor(readonly ownId: NodeId, private readonly now: () => number, private readonly k = K) {
    this.#buckets = [{ entries: [], replacements: [], lastChanged: now() }];
  }

  /** Number of contacts in the buckets (not counting replacements). */
  get size(): number {
    return this.#buckets.reduce((n, b) => n + b.entries.length, 0);
  }

  /** Number of buckets (grows as the own bucket splits). */
  get bucketCount(): number {
    return this.#buckets.length;
  }

  #indexOf(id: NodeId): number {
    return Math.min(commonPrefixLength(this.ownId, id), this.#buckets.length - 1);
  }

  /**
   * Records a node that answered us: refreshes it if known, adds it if its
   * bucket has room (splitting our own bucket when needed), otherwise keeps
   * it as a replacement.
   */
  insert(contact: Contact): InsertResult {
    if (sameId(contact.id, this.ownId)) return { kind: "rejected" };
    const now = this.now();
    while (true) {
      const index = this.#indexOf(contact.id);
      const bucket = this.#buckets[index];
      const known = bucket.entries.findIndex((e) => sameId(e.id, contact.id));
      if (known >= 0) {
        const entry = bucket.entries[known];
        if (entry.address !== contact.address || entry.port !== contact.port) {
          return { kind: "rejected" }; // an id moving address is suspicious; keep the one we know
        }
        bucket.entries.splice(known, 1);
        bucket.entries.push({ ...entry, lastSeen: now, failures: 0 });
        bucket.lastChanged = now;
        return { kind: "updated" };
      }
      if (bucket.entries.length < this.k) {
        bucket.entries.push({ ...contact, lastSeen: now, failures: 0 });
        bucket.replacements = bucket.replacements.filter((r) => !sameId(r.id, contact.id));
        bucket.lastChanged = now;
        return { kind: "added" };
      }
      const isOwnBucket = index === this.#buckets.length - 1 && this.#buckets.length < ID_BYTES * 8;
      if (isOwnBucket) {
        this.#split();
        continue;
      }
      const bad = bucket.entries.findIndex((e) => e.failures >= NODE_MAX_FAILURES);
      if (bad >= 0) {
        bucket.entries.splice(bad, 1);
        bucket.entries.push({ ...contact, lastSeen: now, failures: 0 });
        bucket.lastChanged = now;
        return { kind: "added" };
      }
      this.#cache(bucket, { ...contact, lastSeen: now, failures: 0 });
      const questionable = bucket.entries.find((e) => now - e.lastSeen >= NODE_QUESTIONABLE_MS);
      return questionable ? { kind: "ping", questionable } : { kind: "cached" };
    }
  }

  /**
   * Whether a node with `id` could enter the table now: its bucket has
   * room, is ours and may split, or holds a failed or questionable entry.
   * Otherwise verifying it (a ping) would be wasted.
   */
  couldEnter(id: NodeId): boolean {
    const index = this.#indexOf(id);
    const bucket = this.#buckets[index];
    if (bucket.entries.length < this.k) return true;
    if (index === this.#buckets.length - 1 && this.#buckets.length < ID_BYTES * 8) return true;
    const now = this.now();
    return bucket.entries.some((e) =>
      e.failures >= NODE_MAX_FAILURES || now - e.lastSeen >= NODE_QUESTIONABLE_MS
    );
  }

  /** Marks that `id` saw us (a query from it): refreshes it, adds nothing. */
  touch(id: NodeId): void {
    const bucket = this.#buckets[this.#indexOf(id)];
    const entry = bucket.entries.find((e) => sameId(e.id, id));
    if (entry) entry.lastSeen = this.now();
  }

  /**
   * Records a failed query to `id`. A node that failed too often is removed
   * and the newest replacement takes its place. A `soft` failure (silent
   * past the stale mark when its lookup ended) counts the same, but never
   * evicts on its own: one lost packet must not cost a live node its place.
   */
  fail(id: NodeId, soft = false): void {
    const bucket = this.#buckets[this.#indexOf(id)];
    const index = bucket.entries.findIndex((e) => sameId(e.id, id));
    if (index < 0) {
      bucket.replacements = bucket.replacements.filter((r) => !sameId(r.id, id));
      return;
    }
    const entry = bucket.entries[index];
    entry.failures++;
    if (entry.failures < NODE_MAX_FAILURES && (soft || bucket.replacements.length === 0)) return;
    bucket.entries.splice(index, 1);
    const replacement = bucket.replacements.pop();
    if (replacement) bucket.entries.push(replacement);
    bucket.lastChanged = this.now();
  }

  /** Removes `id` (e.g. a questionable node that did not answer a ping). */
  remove(id: NodeId): void {
    const bucket = this.#buckets[this.#indexOf(id)];
    const before = bucket.entries.length;
    bucket.entries = bucket.entries.filter((e) => !sameId(e.id, id));
    if (bucket.entries.length < before) {
      const replacement = bucket.replacements.pop();
      if (replacement) bucket.entries.push(replacement);
      bucket.lastChanged = this.now();
    }
  }

  /** The `count` known contacts closest to `target`, closest first. */
  closest(target: NodeId, count = this.k, filter?: (c: TableEntry) => boolean): TableEntry[] {
    const all: TableEntry[] = [];
    for (const bucket of this.#buckets) {
      for (const entry of bucket.entries) {
        if (entry.failures < NODE_MAX_FAILURES && (!filter || filter(entry))) all.push(entry);
      }
    }
    return all.sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, count);
  }

  /** Every contact, for persistence. */
  all(): TableEntry[] {
    return this.#buckets.flatMap((b) => b.entries);
  }

  /** Depths (shared-prefix lengths) of buckets not changed for `maxAgeMs`. */
  staleBuckets(maxAgeMs: number): number[] {
    const now = this.now();
    return this.#buckets.flatMap((b, i) => (now - b.lastChanged >= maxAgeMs ? [i] : []));
  }

  /** Marks a bucket as just refreshed. */
  refreshed(depth: number): void {
    const bucket = this.#buckets[Math.min(depth, this.#buckets.length - 1)];
    bucket.lastChanged = this.now();
  }

  /** Whether `id` is in the table. */
  has(id: NodeId): boolean {
    return this.#buckets[this.#indexOf(id)].entries.some((e) => sameId(e.id, id));
  }

  /** Contacts by hex id (debugging and tests). */
  describe(): { depth: number; ids: string[]; replacements: number }[] {
    return this.#buckets.map((b, depth) => ({
      depth,
      ids: b.entries.map((e) => idToHex(e.id)),
      replacements: b.replacements.length,
    }));
  }

  #cache(bucket: Bucket, entry: TableEntry): void {
    bucket.replacements = bucket.replacements.filter((r) => !sameId(r.id, entry.id));
    bucket.replacements.push(entry);
    if (bucket.replacements.length > REPLACEMENT_CACHE_SIZE) bucket.replacements.shift();
  }

  /** Splits the last bucket (the one holding our id) in two by the next bit. */
  #split(): void {
    const depth = this.#buckets.length - 1;
    const old = this.#buckets[depth];
    const near: Bucket = { entries: [], replacements: [], lastChanged: old.lastChanged };
    const far: Bucket = { entries: [], replacements: [], lastChanged: old.lastChanged };
    for (const entry of old.entries) {
      (commonPrefixLength(this.ownId, entry.id) > depth ? near : far).entries.push(entry);
    }
    for (const entry of old.replacements) {
      (commonPrefixLength(this.ownId, entry.id) > depth ? near : far).replacements.push(entry);
    }
    this.#buckets[depth] = far;
    this.#buckets.push(near);
  }
}
