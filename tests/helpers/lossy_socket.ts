/** A datagram socket that loses packets, for tests and benchmarks of retransmission. */

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

  send(data: Uint8Array, to: Endpoint): Promise<void> {
    if (this.random() < this.lossRate) {
      this.dropped++;
      return Promise.resolve();
    }
    return this.inner.send(data, to);
  }

  receive(): AsyncIterable<Datagram> {
    return this.inner.receive();
  }

  close(): void {
    this.inner.close();
  }
}
