/**
 * The simulated internet the DHT simulation's nodes talk over: each
 * datagram arrives after its link's one-way delay (half a round trip drawn
 * once per pair of addresses), or is lost with the network's loss rate.
 * Nodes behind NAT take datagrams only from addresses they sent to
 * recently (endpoint-dependent filtering, as most home routers do).
 *
 * @module
 */

import type { Endpoint } from "../../src/dht/mod.ts";
import type { Datagram, DatagramSocket } from "../../src/dht/socket.ts";
import type { VirtualClock } from "../../tests/helpers/virtual_clock.ts";

/** How the network behaves. */
export interface SimNetworkOptions {
  /** Round trips are drawn from this range, log-uniform (most links are short, some long). */
  readonly minRttMs: number;
  readonly maxRttMs: number;
  /** A NAT forgets a mapping this long after the last datagram out (common UDP timeouts: 30 s to a few minutes). */
  readonly natTimeoutMs: number;
  readonly random: () => number;
}

/** The network: sockets by address, and what went over it. */
export class SimNetwork {
  readonly #sockets = new Map<string, SimSocket>();
  /** Share of datagrams lost (each one independently). */
  lossRate = 0;
  delivered = 0;
  lost = 0;

  constructor(readonly clock: VirtualClock, readonly options: SimNetworkOptions) {}

  /** A socket for `address` (one node per address, port 6881). */
  socket(address: string, natted: boolean): SimSocket {
    const socket = new SimSocket(this, { address, port: 6881 }, natted);
    this.#sockets.set(address, socket);
    return socket;
  }

  /** One-way delay between two addresses: half their round trip, the same both ways and every time. */
  delayBetween(a: string, b: string): number {
    const { minRttMs, maxRttMs } = this.options;
    const u = linkHash(a < b ? a + b : b + a);
    return Math.exp(Math.log(minRttMs) + u * (Math.log(maxRttMs) - Math.log(minRttMs))) / 2;
  }

  send(from: SimSocket, data: Uint8Array, to: Endpoint): void {
    if (this.options.random() < this.lossRate) return void this.lost++;
    const delay = this.delayBetween(from.local.address, to.address);
    this.clock.setTimeout(() => {
      const target = this.#sockets.get(to.address);
      if (!target || target.closed || !target.accepts(from.local.address)) return void this.lost++;
      this.delivered++;
      target.deliver({ data, from: from.local });
    }, delay);
  }

  forget(socket: SimSocket): void {
    if (this.#sockets.get(socket.local.address) === socket) {
      this.#sockets.delete(socket.local.address);
    }
  }
}

/** One node's socket on the simulated network. */
export class SimSocket implements DatagramSocket {
  #queue: Datagram[] = [];
  #wake: (() => void) | undefined;
  #sentTo = new Map<string, number>();
  closed = false;

  constructor(
    private readonly network: SimNetwork,
    readonly local: Endpoint,
    readonly natted: boolean,
  ) {}

  send(data: Uint8Array, to: Endpoint): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.natted) this.#sentTo.set(to.address, this.network.clock.now());
    this.network.send(this, data, to);
    return Promise.resolve();
  }

  /** Whether a datagram from `address` gets through (behind NAT: only from those we sent to lately). */
  accepts(address: string): boolean {
    if (!this.natted) return true;
    const at = this.#sentTo.get(address);
    if (at === undefined) return false;
    if (this.network.clock.now() - at <= this.network.options.natTimeoutMs) return true;
    this.#sentTo.delete(address);
    return false;
  }

  deliver(datagram: Datagram): void {
    this.#queue.push(datagram);
    this.#wake?.();
  }

  async *receive(): AsyncIterable<Datagram> {
    while (!this.closed) {
      const datagram = this.#queue.shift();
      if (datagram) {
        yield datagram;
        continue;
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }

  close(): void {
    this.closed = true;
    this.#queue = [];
    this.network.forget(this);
    this.#wake?.();
  }
}

/** A number in [0, 1) from a string (FNV-1a): a link's delay without storing one per pair. */
function linkHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return (h >>> 0) / 2 ** 32;
}
