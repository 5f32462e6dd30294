/**
 * What this node announced itself. Another node's get_peers is answered
 * with us among the values: in a network of two, or when we are the
 * closest node to a key, nobody else can name us.
 *
 * @module
 */

import { PEER_TTL_MS } from "./constants.ts";
import type { Endpoint } from "./krpc/compact.ts";
import { idToHex, type NodeId } from "./node_id.ts";

/** Our own announces, by key, oldest first; they expire as stored peers do. */
export class OwnAnnounces {
  readonly #byKey = new Map<string, { port: number; expires: number }>();

  constructor(private readonly now: () => number) {}

  /** We serve `key` on TCP `port` (refreshes it). */
  add(key: NodeId, port: number): void {
    const hex = idToHex(key);
    this.#byKey.delete(hex); // re-inserted: Map order is age
    this.#byKey.set(hex, { port, expires: this.now() + PEER_TTL_MS });
  }

  /** We no longer serve `key`: get_peers stops naming us at once. */
  remove(key: NodeId): void {
    this.#byKey.delete(idToHex(key));
  }

  /** Ourselves as a peer for `key`, at `address` (ours as others see it), if we announced it. */
  peerFor(key: NodeId, address: string | undefined): Endpoint | undefined {
    const own = this.#byKey.get(idToHex(key));
    if (!own || own.expires <= this.now() || address === undefined) return undefined;
    return { address, port: own.port };
  }

  /** Drops what expired. */
  expire(): void {
    const now = this.now();
    for (const [hex, own] of this.#byKey) {
      if (own.expires > now) break; // oldest first
      this.#byKey.delete(hex);
    }
  }
}
