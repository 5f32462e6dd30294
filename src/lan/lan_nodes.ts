/**
 * The apt-dht nodes found on the LAN: bounded, each confirmed by a DHT
 * ping before it is kept, and the endpoints that did not answer kept apart
 * for a while so a stranger's announces cannot make us ping without end.
 *
 * @module
 */

import { urlHost } from "../net/mod.ts";
import { MAX_LAN_NODES, MAX_UNANSWERED, UNANSWERED_BACKOFF_MS } from "./constants.ts";

/** A LAN node that answered a DHT ping. */
export interface LanNode {
  readonly address: string;
  readonly port: number;
  /** Its DHT node id, hex. */
  readonly id: string;
  /** The interface it was heard on. */
  readonly interface: string;
  /** Epoch ms it was first confirmed. */
  readonly foundAt: number;
  /** Epoch ms of its last announce or answered ping. */
  lastSeen: number;
}

export const endpointKey = (address: string, port: number) => `${urlHost(address)}:${port}`;

/** The LAN nodes, and the endpoints recently found silent. */
export class LanNodes {
  readonly #nodes = new Map<string, LanNode>();
  /** Endpoint → when it was found silent (insertion order: oldest first). */
  readonly #unanswered = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now, readonly max = MAX_LAN_NODES) {}

  get size(): number {
    return this.#nodes.size;
  }

  get(key: string): LanNode | undefined {
    return this.#nodes.get(key);
  }

  all(): LanNode[] {
    return [...this.#nodes.values()];
  }

  /** Keeps `node`; false when the list is full. */
  add(node: LanNode): boolean {
    if (!this.#nodes.has(endpointKey(node.address, node.port)) && this.#nodes.size >= this.max) {
      return false;
    }
    this.#nodes.set(endpointKey(node.address, node.port), node);
    this.#unanswered.delete(endpointKey(node.address, node.port));
    return true;
  }

  remove(key: string): LanNode | undefined {
    const node = this.#nodes.get(key);
    this.#nodes.delete(key);
    return node;
  }

  /** Records that `key` did not answer a ping. */
  silent(key: string): void {
    this.#unanswered.delete(key);
    this.#unanswered.set(key, this.now());
    while (this.#unanswered.size > MAX_UNANSWERED) {
      this.#unanswered.delete(this.#unanswered.keys().next().value!);
    }
  }

  /** True while `key` is in its back-off after not answering. */
  backingOff(key: string): boolean {
    const at = this.#unanswered.get(key);
    if (at === undefined) return false;
    if (this.now() - at < UNANSWERED_BACKOFF_MS) return true;
    this.#unanswered.delete(key);
    return false;
  }

  /** Endpoints in back-off now (for the status page). */
  get silentCount(): number {
    return this.#unanswered.size;
  }
}
