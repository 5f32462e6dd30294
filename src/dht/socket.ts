/**
 * The DHT's UDP socket behind a small interface, so a node can run on a
 * real `Deno.listenDatagram` socket or on a test double (in memory, lossy).
 *
 * @module
 */

import { unmappedAddress } from "../net/mod.ts";
import type { Endpoint } from "./krpc/compact.ts";

/** A datagram received. */
export interface Datagram {
  readonly data: Uint8Array;
  readonly from: Endpoint;
}

/** What the node needs of a socket. */
export interface DatagramSocket {
  readonly local: Endpoint;
  send(data: Uint8Array, to: Endpoint): Promise<void>;
  /** Datagrams as they arrive, until the socket is closed. */
  receive(): AsyncIterable<Datagram>;
  close(): void;
}

/** A UDP socket on `hostname:port` (port 0 picks a free one). */
export class UdpSocket implements DatagramSocket {
  readonly #conn: Deno.DatagramConn;
  readonly local: Endpoint;
  #closed = false;

  constructor(hostname: string, port: number) {
    this.#conn = Deno.listenDatagram({ transport: "udp", hostname, port });
    const addr = this.#conn.addr as Deno.NetAddr;
    this.local = { address: addr.hostname, port: addr.port };
  }

  async send(data: Uint8Array, to: Endpoint): Promise<void> {
    if (this.#closed) return;
    await this.#conn.send(data, { transport: "udp", hostname: to.address, port: to.port });
  }

  async *receive(): AsyncIterable<Datagram> {
    // Deno hands back a view into a 64 KiB buffer per datagram: every id, token or value
    // decoded from it would keep all 64 KiB alive. One buffer is read into, each datagram copied.
    const buffer = new Uint8Array(65_536);
    while (!this.#closed) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#conn.receive(buffer);
      } catch (error) {
        if (this.#closed) return;
        throw error;
      }
      const [view, addr] = received;
      const from = addr as Deno.NetAddr;
      // An IPv4 peer reaching a socket bound to `::` arrives as `::ffff:a.b.c.d`: it is an
      // IPv4 node (nodes, not nodes6; a 6-byte `ip`; BEP 42 on IPv4).
      const address = unmappedAddress(from.hostname);
      yield { data: view.slice(), from: { address, port: from.port } };
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
  }
}
