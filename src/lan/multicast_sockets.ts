/**
 * The UDP sockets of one multicast service (BEP 14): one receiving socket
 * per family on the service's port, in the group on every LAN interface,
 * and a way to send out of one chosen interface (an IPv4 socket bound to
 * the interface's address, which Linux sends multicast out of; for IPv6,
 * the group with the interface's index as its zone).
 *
 * @module
 */

import { interfaceKey, type LanInterface } from "./lan_interfaces.ts";

/** How to build the sockets. */
export interface MulticastSocketsOptions {
  readonly port: number;
  readonly groupV4: string;
  readonly groupV6: string;
  /** A datagram arrived (the interface is not known: callers match the sender's subnet). */
  readonly onDatagram: (data: Uint8Array, from: string) => void;
  readonly onError: (what: string, error: unknown) => void;
}

interface Joined {
  readonly iface: LanInterface;
  membership?: Promise<Deno.MulticastV4Membership | Deno.MulticastV6Membership | undefined>;
  /** IPv4: a socket bound to the interface's address, to send out of it. */
  sender?: Deno.DatagramConn;
}

/** The sockets; `setInterfaces` joins and leaves as interfaces come and go. */
export class MulticastSockets {
  #v4?: Deno.DatagramConn;
  #v6?: Deno.DatagramConn;
  readonly #joined = new Map<string, Joined>();
  #closed = false;

  constructor(private readonly options: MulticastSocketsOptions) {}

  /** Binds the IPv4 receiving socket (IPv6 waits for an IPv6 interface). */
  open(): void {
    this.#v4 = this.#bind("0.0.0.0");
  }

  /** Joins the group on `interfaces` that are new, leaves it on those gone. */
  setInterfaces(interfaces: readonly LanInterface[]): void {
    if (this.#closed) return;
    const wanted = new Map(interfaces.map((i) => [interfaceKey(i), i]));
    for (const [key, joined] of this.#joined) {
      if (wanted.has(key)) continue;
      this.#leave(joined);
      this.#joined.delete(key);
    }
    for (const [key, iface] of wanted) {
      if (this.#joined.has(key)) continue;
      this.#joined.set(key, this.#join(iface));
    }
  }

  /** Sends `data` to the group out of `iface`; errors are reported, never thrown. */
  send(data: Uint8Array, iface: LanInterface): void {
    const joined = this.#joined.get(interfaceKey(iface));
    if (!joined || this.#closed) return;
    const { port, groupV4, groupV6 } = this.options;
    const sent = iface.family === "IPv4"
      ? joined.sender?.send(data, { transport: "udp", hostname: groupV4, port })
      : this.#v6?.send(data, { transport: "udp", hostname: `${groupV6}%${iface.index}`, port });
    sent?.catch((error) => this.options.onError(`send on ${iface.name}`, error));
  }

  close(): void {
    this.#closed = true;
    for (const joined of this.#joined.values()) this.#leave(joined);
    this.#joined.clear();
    for (const conn of [this.#v4, this.#v6]) {
      try {
        conn?.close();
      } catch { /* closed */ }
    }
  }

  #join(iface: LanInterface): Joined {
    const { groupV4, groupV6, onError } = this.options;
    const joined: Joined = { iface };
    const failed = (error: unknown) => {
      onError(`join on ${iface.name}`, error);
      return undefined;
    };
    try {
      if (iface.family === "IPv4") {
        joined.membership = this.#v4?.joinMulticastV4(groupV4, iface.address).catch(failed);
        joined.sender = Deno.listenDatagram({ transport: "udp", hostname: iface.address, port: 0 });
      } else {
        this.#v6 ??= this.#bind("::");
        joined.membership = this.#v6?.joinMulticastV6(groupV6, iface.index!).catch(failed);
      }
    } catch (error) {
      failed(error);
    }
    return joined;
  }

  #leave(joined: Joined): void {
    joined.membership?.then((m) => m?.leave()).catch(() => {});
    try {
      joined.sender?.close();
    } catch { /* closed */ }
  }

  #bind(hostname: string): Deno.DatagramConn | undefined {
    let conn: Deno.DatagramConn;
    try {
      conn = Deno.listenDatagram({
        transport: "udp",
        hostname,
        port: this.options.port,
        reuseAddress: true, // other BEP 14 listeners (a BitTorrent client) share the port
        loopback: true, // a second daemon on this machine hears us
      });
    } catch (error) {
      this.options.onError(`bind ${hostname}:${this.options.port}`, error);
      return undefined;
    }
    this.#receive(conn);
    return conn;
  }

  async #receive(conn: Deno.DatagramConn): Promise<void> {
    const buffer = new Uint8Array(2048);
    while (!this.#closed) {
      try {
        const [data, addr] = await conn.receive(buffer);
        this.options.onDatagram(data, (addr as Deno.NetAddr).hostname);
      } catch (error) {
        if (this.#closed) return;
        this.options.onError("receive", error);
        await new Promise((r) => setTimeout(r, 100)); // a socket error must not spin
      }
    }
  }
}
