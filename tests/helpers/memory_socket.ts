/** Datagram sockets that deliver in memory, for tests that control time. */

import type { Endpoint } from "../../src/dht/mod.ts";
import type { Datagram, DatagramSocket } from "../../src/dht/socket.ts";

export class MemoryNetwork {
  readonly sockets = new Map<string, MemorySocket>();
  readonly sent: { from: Endpoint; to: Endpoint; data: Uint8Array }[] = [];
  socket(address: string, port: number): MemorySocket {
    const socket = new MemorySocket(this, { address, port });
    this.sockets.set(`${address}:${port}`, socket);
    return socket;
  }
}

export class MemorySocket implements DatagramSocket {
  #queue: { datagram: Datagram; handled?: () => void }[] = [];
  #wake?: () => void;
  #closed = false;
  constructor(private readonly network: MemoryNetwork, readonly local: Endpoint) {}

  send(data: Uint8Array, to: Endpoint): Promise<void> {
    this.network.sent.push({ from: this.local, to, data });
    this.network.sockets.get(`${to.address}:${to.port}`)?.deliver({ data, from: this.local });
    return Promise.resolve();
  }

  /** Delivers a datagram as if it came from `from`. */
  deliver(datagram: Datagram): void {
    this.#queue.push({ datagram });
    this.#wake?.();
  }

  /**
   * Delivers `data` from `from` and resolves once the reader has handled it:
   * when it asks for the next datagram (or stops reading), so what the node
   * sent in reply is in `network.sent` by then.
   */
  feed(data: Uint8Array, from: Endpoint): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#queue.push({ datagram: { data, from }, handled: resolve });
    this.#wake?.();
    return promise;
  }

  async *receive(): AsyncIterable<Datagram> {
    while (!this.#closed) {
      if (this.#queue.length) {
        const { datagram, handled } = this.#queue.shift()!;
        try {
          yield datagram;
        } finally {
          handled?.();
        }
        continue;
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }
}
