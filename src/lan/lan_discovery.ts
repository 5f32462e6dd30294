/**
 * BEP 14 local service discovery for the DHT: announces our node on every
 * LAN interface (IPv4 group, and the IPv6 one where the interface has
 * IPv6), hears other apt-dht nodes' announces, confirms each with a DHT ping
 * and joins the DHT through them; pings them on a period and forgets those
 * that stop answering. Everything a stranger can send is bounded: announces
 * accepted per second, pings in flight, nodes kept, endpoints retried.
 *
 * @module
 */

import { type Endpoint, idFromHex, idToHex, type NodeId, RateLimiter } from "../dht/mod.ts";
import type { Logger } from "../log/mod.ts";
import { unmappedAddress } from "../net/mod.ts";
import {
  ACCEPTED_ANNOUNCES_BURST,
  ACCEPTED_ANNOUNCES_PER_SECOND,
  ANNOUNCE_INTERVAL_MS,
  ANNOUNCES_PER_SENDER_BURST,
  ANNOUNCES_PER_SENDER_PER_SECOND,
  ANSWER_ANNOUNCE_GAP_MS,
  APT_DHT_LAN_INFOHASH,
  JOIN_GAP_MS,
  LSD_GROUP_V4,
  LSD_GROUP_V6,
  LSD_PORT,
  MAX_PINGS_IN_FLIGHT,
  NODE_CHECK_INTERVAL_MS,
} from "./constants.ts";
import { LanCounters } from "./lan_counters.ts";
import { interfaceKey, InterfaceWatch, type LanInterface, onSubnet } from "./lan_interfaces.ts";
import { endpointKey, type LanNode, LanNodes } from "./lan_nodes.ts";
import { formatAnnounce, parseAnnounce } from "./lsd_message.ts";
import { MulticastSockets } from "./multicast_sockets.ts";

/** What discovery needs of the DHT node. */
export interface LanDht {
  readonly id: NodeId;
  /** Pings `endpoint`; its id when it answered (the node then keeps it in its table). */
  ping(endpoint: Endpoint): Promise<NodeId | undefined>;
  /** Looks up `target` (our own id: joins the network through the nodes known). */
  findNode(target: NodeId): Promise<unknown>;
  /** Drops a node known to be gone. */
  forget(id: NodeId): void;
}

/** How to build discovery. */
export interface LanDiscoveryOptions {
  readonly dht: LanDht;
  /** Our DHT (and HTTP) port, said in our announces. */
  readonly port: number;
  /** Whether the DHT socket reaches IPv6 nodes (it listens on `::` or an IPv6 address). */
  readonly ipv6: boolean;
  readonly log: Logger;
  /** The interfaces (tests may narrow them); default: every LAN interface. */
  readonly interfaces?: () => LanInterface[];
}

/** Figures for the status page. */
export interface LanDiscoveryStatus {
  readonly interfaces: string[];
  readonly nodes: {
    address: string;
    port: number;
    id: string;
    interface: string;
    found_at: string;
    last_seen: string;
  }[];
  readonly counters: Record<string, number>;
  /** Milliseconds from start to the first LAN node found (null: none yet). */
  readonly first_node_after_ms: number | null;
}

/** LAN discovery, one per daemon. */
export class LanDiscovery {
  readonly #options: LanDiscoveryOptions;
  readonly #nodes = new LanNodes();
  readonly #counters = new LanCounters();
  /** Per sender first (one flooder cannot starve the others), then for the whole LAN. */
  readonly #perSender = new RateLimiter(
    Date.now,
    ANNOUNCES_PER_SENDER_PER_SECOND,
    ANNOUNCES_PER_SENDER_BURST,
  );
  readonly #gate = new RateLimiter(
    Date.now,
    ACCEPTED_ANNOUNCES_PER_SECOND,
    ACCEPTED_ANNOUNCES_BURST,
    1,
  );
  readonly #cookie = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  readonly #sockets: MulticastSockets;
  readonly #watch: InterfaceWatch;
  #interfaces: readonly LanInterface[] = [];
  #timers: ReturnType<typeof setInterval>[] = [];
  #pings = 0;
  #lastAnswer = 0;
  #answerTimer?: ReturnType<typeof setTimeout>;
  /** The join lookup waiting for its gap, or running; `#joinAgain` asks for one more after it. */
  #joinTimer?: ReturnType<typeof setTimeout>;
  #joinRunning = false;
  #lastJoin = 0;
  #joinAgain = false;
  #startedAt = 0;
  #firstNodeAfter?: number;
  #stopped = false;

  constructor(options: LanDiscoveryOptions) {
    this.#options = options;
    this.#sockets = new MulticastSockets({
      port: LSD_PORT,
      groupV4: LSD_GROUP_V4,
      groupV6: LSD_GROUP_V6,
      onDatagram: (data, from) => this.#heard(data, from),
      onError: (what, error) => {
        this.#counters.add("socket_errors");
        options.log.debug("lan.socket_error", { what, error });
      },
    });
    this.#watch = new InterfaceWatch(
      (interfaces) => this.#interfacesChanged(interfaces),
      options.interfaces,
    );
  }

  start(): void {
    this.#startedAt = Date.now();
    this.#sockets.open();
    this.#watch.start();
    this.#timers.push(
      setInterval(() => this.#announceAll(), ANNOUNCE_INTERVAL_MS),
      setInterval(() => this.#checkNodes(), NODE_CHECK_INTERVAL_MS),
    );
    this.#options.log.info("lan.discovery_started", {
      interfaces: this.#listed(),
      infohash: APT_DHT_LAN_INFOHASH,
    });
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    clearTimeout(this.#answerTimer);
    clearTimeout(this.#joinTimer);
    this.#watch.stop();
    this.#sockets.close();
  }

  status(): LanDiscoveryStatus {
    return {
      interfaces: this.#interfaces.map((i) => `${i.name} ${i.address}`),
      nodes: this.#nodes.all().map((n) => ({
        address: n.address,
        port: n.port,
        id: n.id,
        interface: n.interface,
        found_at: new Date(n.foundAt).toISOString(),
        last_seen: new Date(n.lastSeen).toISOString(),
      })),
      counters: { ...this.#counters.all(), silent_endpoints: this.#nodes.silentCount },
      first_node_after_ms: this.#firstNodeAfter ?? null,
    };
  }

  #interfacesChanged(interfaces: readonly LanInterface[]): void {
    const before = new Set(this.#sendingOn().map(interfaceKey));
    // IPv6 announces only where our DHT can reach the nodes that answer them.
    this.#interfaces = interfaces.filter((i) => i.family === "IPv4" || this.#options.ipv6);
    this.#sockets.setInterfaces(this.#interfaces);
    const added = this.#sendingOn().filter((i) => !before.has(interfaceKey(i)));
    if (added.length) {
      this.#options.log.info("lan.interfaces", { interfaces: this.#listed() });
    }
    for (const iface of added) this.#announce(iface);
  }

  /** The interface addresses, for the log. */
  #listed(): string {
    return this.#interfaces.map((i) => `${i.name}/${i.address}`).join(",") || "none";
  }

  #announceAll(): void {
    for (const iface of this.#sendingOn()) this.#announce(iface);
  }

  /** One interface address per multicast key (an interface's IPv6 addresses share one). */
  #sendingOn(): LanInterface[] {
    return [...new Map(this.#interfaces.map((i) => [interfaceKey(i), i])).values()];
  }

  #announce(iface: LanInterface): void {
    if (this.#stopped) return;
    const group = iface.family === "IPv4"
      ? `${LSD_GROUP_V4}:${LSD_PORT}`
      : `[${LSD_GROUP_V6}]:${LSD_PORT}`;
    const data = formatAnnounce(group, {
      port: this.#options.port,
      infoHashes: [APT_DHT_LAN_INFOHASH],
      cookie: this.#cookie,
    });
    this.#counters.add("announces_sent");
    this.#sockets.send(data, iface);
  }

  #heard(data: Uint8Array, fromAddress: string): void {
    this.#counters.add("datagrams_received");
    if (!this.#perSender.allow(fromAddress) || !this.#gate.allow("lan")) {
      return this.#counters.add("dropped_rate");
    }
    const announce = parseAnnounce(data);
    if (typeof announce === "string") return this.#counters.add("malformed");
    if (announce.cookie === this.#cookie) return this.#counters.add("own");
    if (!announce.infoHashes.includes(APT_DHT_LAN_INFOHASH)) {
      return this.#counters.add("other_swarms");
    }
    const address = unmappedAddress(fromAddress);
    // Only neighbours: a LAN announce comes from a subnet of the interface it arrived on.
    const on = this.#interfaces.find((i) => onSubnet(address, i));
    if (!on) return this.#counters.add("off_subnet");
    if (address.startsWith("fe80:")) return this.#counters.add("link_local_ipv6");
    const key = endpointKey(address, announce.port);
    const known = this.#nodes.get(key);
    if (known) {
      known.lastSeen = Date.now();
      return this.#counters.add("announces_known");
    }
    if (this.#nodes.backingOff(key)) return this.#counters.add("dropped_silent");
    if (this.#pings >= MAX_PINGS_IN_FLIGHT) return this.#counters.add("dropped_busy");
    this.#counters.add("announces_new");
    this.#confirm({ address, port: announce.port }, on);
  }

  /** Pings an announced endpoint; one that answers is a LAN node, kept and joined through. */
  async #confirm(endpoint: Endpoint, iface: LanInterface): Promise<void> {
    const key = endpointKey(endpoint.address, endpoint.port);
    this.#pings++;
    let id: NodeId | undefined;
    try {
      id = await this.#options.dht.ping(endpoint);
    } finally {
      this.#pings--;
    }
    if (this.#stopped) return;
    if (!id) {
      this.#nodes.silent(key);
      return this.#counters.add("unanswered");
    }
    const now = Date.now();
    const node: LanNode = {
      ...endpoint,
      id: idToHex(id),
      interface: iface.name,
      foundAt: now,
      lastSeen: now,
    };
    if (!this.#nodes.add(node)) return this.#counters.add("dropped_full");
    this.#counters.add("nodes_found");
    this.#firstNodeAfter ??= now - this.#startedAt;
    this.#options.log.info("lan.node_found", {
      address: endpoint.address,
      port: endpoint.port,
      id: node.id,
      interface: iface.name,
      after_ms: now - this.#startedAt,
    });
    // Answer with our own announce, so a node that just started learns us at once.
    this.#answer();
    this.#join();
  }

  /**
   * Announces in answer to a node found: at once, or when ANSWER_ANNOUNCE_GAP_MS has passed since
   * the last answer (one pending at most), so every newcomer hears us within that gap.
   */
  #answer(): void {
    if (this.#answerTimer !== undefined) return;
    const wait = Math.max(0, this.#lastAnswer + ANSWER_ANNOUNCE_GAP_MS - Date.now());
    this.#answerTimer = setTimeout(() => {
      this.#answerTimer = undefined;
      this.#lastAnswer = Date.now();
      this.#announceAll();
    }, wait);
  }

  /** Looks up our own id through the nodes known, at most every JOIN_GAP_MS (one more if asked meanwhile). */
  #join(): void {
    if (this.#joinTimer !== undefined || this.#joinRunning) {
      this.#joinAgain = true;
      return;
    }
    const wait = Math.max(0, this.#lastJoin + JOIN_GAP_MS - Date.now());
    this.#joinTimer = setTimeout(async () => {
      this.#joinTimer = undefined;
      this.#joinRunning = true;
      this.#lastJoin = Date.now();
      await this.#options.dht.findNode(this.#options.dht.id).catch(() => {});
      this.#joinRunning = false;
      if (this.#joinAgain && !this.#stopped) {
        this.#joinAgain = false;
        this.#join();
      }
    }, wait);
  }

  /** Pings every LAN node; one that does not answer is forgotten here and in the routing table. */
  async #checkNodes(): Promise<void> {
    await Promise.all(
      this.#nodes.all().map(async (node) => {
        const id = await this.#options.dht.ping(node);
        if (this.#stopped) return;
        const key = endpointKey(node.address, node.port);
        if (id && idToHex(id) === node.id) {
          node.lastSeen = Date.now();
          return;
        }
        this.#nodes.remove(key);
        this.#counters.add("nodes_lost");
        this.#options.dht.forget(idFromHex(node.id));
        this.#options.log.info("lan.node_lost", {
          address: node.address,
          port: node.port,
          id: node.id,
        });
      }),
    );
  }
}
