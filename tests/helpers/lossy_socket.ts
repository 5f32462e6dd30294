/** A datagram socket that loses and delays packets, for tests and benchmarks of retransmission and latency. */

import type { Endpoint } from "../../src/dht/mod.ts";
import type { Datagram, DatagramSocket } from "../../src/dht/socket.ts";

/**
 * Wraps a socket and drops each outgoing datagram with probability
 * `lossRate` (tests and benchmarks of retransmission). Since every packet is
 * some node's outgoing packet, wrapping every node loses that share of all
 * traffic.
 */
export class LossySocket implements DatagramSocket {
  dropped = 0;
  constructor(
    private readonly inner: DatagramSocket,
    public lossRate: number,
    private readonly random: () => number = Math.random,
  ) {}

  get local(): Endpoint {
    return this.inner.local;
  }

  /**
   * Added to every datagram sent (ms): latency in user space, since these
   * kernels have no netem. A node's replies are late by this much, so each
   * round trip to it is.
   */
  delayMs = 0;
  #delayed = new Set<ReturnType<typeof setTimeout>>();

  send(data: Uint8Array, to: Endpoint): Promise<void> {
    if (this.random() < this.lossRate) {
      this.dropped++;
      return Promise.resolve();
    }
    if (this.delayMs <= 0) return this.inner.send(data, to);
    const timer = setTimeout(() => {
      this.#delayed.delete(timer);
      this.inner.send(data, to).catch(() => {});
    }, this.delayMs);
    this.#delayed.add(timer);
    return Promise.resolve();
  }

  receive(): AsyncIterable<Datagram> {
    return this.inner.receive();
  }

  close(): void {
    for (const timer of this.#delayed) clearTimeout(timer);
    this.#delayed.clear();
    this.inner.close();
  }
}
