/**
 * The machine's LAN interfaces: every interface address but loopback, with
 * what multicast needs (the IPv4 address to join and send from, the IPv6
 * interface index), and a watch that says when the list changed.
 *
 * @module
 */

import { addressInAny, type Cidr, parseCidr } from "../net/mod.ts";
import { INTERFACE_POLL_MS } from "./constants.ts";

/** One address of a LAN interface. */
export interface LanInterface {
  readonly name: string;
  readonly family: "IPv4" | "IPv6";
  readonly address: string;
  /** `address/prefix`: the subnet its neighbours are in. */
  readonly cidr: string;
  /** The interface index (IPv6: the scope id multicast needs). */
  readonly index?: number;
}

/**
 * What multicast is joined and sent on: each IPv4 address, and each
 * interface once for IPv6 (by index, whatever addresses it has).
 */
export const interfaceKey = (i: LanInterface) =>
  i.family === "IPv4" ? `${i.name}/IPv4/${i.address}` : `${i.name}/IPv6`;

/** Lists the LAN interface addresses; none when listing is not allowed. */
export function lanInterfaces(
  list: () => Deno.NetworkInterfaceInfo[] = Deno.networkInterfaces,
): LanInterface[] {
  let all: Deno.NetworkInterfaceInfo[];
  try {
    all = list();
  } catch {
    return [];
  }
  // Only link-local IPv6 addresses come with the interface's index; the others take it from them.
  const indexes = new Map<string, number>();
  for (const i of all) if (i.family === "IPv6" && i.scopeid) indexes.set(i.name, i.scopeid);
  const out: LanInterface[] = [];
  for (const i of all) {
    if (i.address.startsWith("127.") || i.address === "::1" || !i.cidr) continue;
    const index = i.family === "IPv6" ? indexes.get(i.name) : undefined;
    if (i.family === "IPv6" && !index) continue; // no index: cannot join a group on it
    out.push({ name: i.name, family: i.family, address: i.address, cidr: i.cidr, index });
  }
  return out;
}

/**
 * The LAN interfaces a daemon listening on `listen` is reachable on: all of
 * them for `0.0.0.0` and `::`, else only the one with that address (none
 * for loopback: a daemon on 127.0.0.1 says nothing to the LAN).
 */
export function interfacesListenedOn(listen: string): () => LanInterface[] {
  const all = listen === "0.0.0.0" || listen === "::" || listen === "[::]";
  return () => lanInterfaces().filter((i) => all || i.address === listen.replace(/^\[|\]$/g, ""));
}

/** True when `address` is a neighbour on `iface`'s subnet (a LAN announce comes from there). */
export function onSubnet(address: string, iface: LanInterface): boolean {
  const block: Cidr | undefined = parseCidr(iface.cidr);
  return block !== undefined && addressInAny(address.replace(/%.*$/, ""), [block]);
}

/**
 * Polls the interfaces and calls `changed` with the list whenever it
 * differs from the last one (first call at once).
 */
export class InterfaceWatch {
  #timer?: ReturnType<typeof setInterval>;
  #last = "";

  constructor(
    private readonly changed: (interfaces: readonly LanInterface[]) => void,
    private readonly list: () => LanInterface[] = lanInterfaces,
    private readonly pollMs = INTERFACE_POLL_MS,
  ) {}

  start(): void {
    this.poll();
    this.#timer = setInterval(() => this.poll(), this.pollMs);
  }

  /** Lists the interfaces now (also after a reload that changes who they are for). */
  poll(force = false): void {
    const now = this.list();
    const key = now.map((i) => `${i.name}/${i.address}`).sort().join(",");
    if (key === this.#last && !force) return;
    this.#last = key;
    this.changed(now);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
