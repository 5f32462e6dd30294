/**
 * Advertises the proxy as `_apt_proxy._tcp` over mDNS, as squid-deb-proxy
 * does, so squid-deb-proxy-client (and anything that browses DNS-SD)
 * points apt at it. One responder per IPv4 LAN interface whose address is
 * an allowed client; it answers only neighbours that are allowed clients,
 * with the address of the interface the question came in on. The records
 * are encoded by npm `multicast-dns` (dns-packet).
 *
 * @module
 */

import mdns from "multicast-dns";
import { RateLimiter } from "../dht/mod.ts";
import type { Logger } from "../log/mod.ts";
import { addressInAny, type Cidr } from "../net/mod.ts";
import {
  APT_PROXY_SERVICE,
  DNS_SD_SERVICES,
  MDNS_ANNOUNCEMENTS,
  MDNS_ANSWERS_PER_SECOND,
  MDNS_TTL_SECONDS,
} from "./constants.ts";
import { interfaceKey, InterfaceWatch, type LanInterface, onSubnet } from "./lan_interfaces.ts";
import { LanCounters } from "./lan_counters.ts";
import { type MdnsRecord, type MdnsSocket, recordsFor } from "./mdns_records.ts";

/** How to build the advertiser. */
export interface MdnsAdvertiserOptions {
  /** The HTTP port apt is to use (known once HTTP listens, before start()). */
  readonly port: () => number;
  /** Who may use the proxy (read again on every interface poll: a reload applies). */
  readonly allowed: () => readonly Cidr[];
  readonly log: Logger;
  /** The machine's name (default: its host name, first label). */
  readonly hostname?: string;
  readonly interfaces?: () => LanInterface[];
}

/** What the status page shows. */
export interface MdnsAdvertiserStatus {
  readonly service: string;
  readonly instance: string;
  /** Interfaces advertised on (`name address`). */
  readonly interfaces: string[];
  readonly counters: Record<string, number>;
}

interface Responder {
  readonly iface: LanInterface;
  readonly socket: MdnsSocket;
  readonly records: MdnsRecord[];
  /** The start announcements still to go out (cleared when the responder closes). */
  readonly announcements: ReturnType<typeof setTimeout>[];
}

/** The mDNS advertiser, one per daemon. */
export class MdnsAdvertiser {
  readonly #options: MdnsAdvertiserOptions;
  readonly #responders = new Map<string, Responder>();
  readonly #counters = new LanCounters();
  readonly #limit = new RateLimiter(Date.now, MDNS_ANSWERS_PER_SECOND, MDNS_ANSWERS_PER_SECOND);
  readonly #watch: InterfaceWatch;
  readonly #host: string;
  readonly #instance: string;
  #recheck?: ReturnType<typeof setInterval>;
  #allowedKey = "";

  constructor(options: MdnsAdvertiserOptions) {
    this.#options = options;
    const label = (options.hostname ?? safeHostname()).split(".")[0].toLowerCase()
      .replace(/[^a-z0-9-]/g, "-") || "host";
    this.#host = `apt-dht-${label}.local`;
    this.#instance = `apt-dht on ${label}.${APT_PROXY_SERVICE}`;
    this.#watch = new InterfaceWatch((interfaces) => this.#update(interfaces), options.interfaces);
  }

  start(): void {
    this.#watch.start();
    this.#recheck = setInterval(() => {
      // allowed_clients is reloadable: an interface may have become (or stopped being) one of them.
      if (allowedKey(this.#options.allowed()) !== this.#allowedKey) this.#watch.poll(true);
    }, 1_000);
    const on = [...this.#responders.values()].map((r) => `${r.iface.name} ${r.iface.address}`);
    if (on.length === 0) {
      this.#options.log.warn("mdns.no_interface", {
        detail:
          "server.advertise is on, but no LAN interface's address is in server.allowed_clients",
      });
    }
  }

  /** Says goodbye (records with TTL 0) on every interface and closes the sockets. */
  async stop(): Promise<void> {
    clearInterval(this.#recheck);
    this.#watch.stop();
    const closing = [...this.#responders.values()].map((r) => this.#close(r));
    this.#responders.clear();
    await Promise.all(closing);
  }

  status(): MdnsAdvertiserStatus {
    return {
      service: APT_PROXY_SERVICE,
      instance: this.#instance,
      interfaces: [...this.#responders.values()].map((r) => `${r.iface.name} ${r.iface.address}`),
      counters: this.#counters.all(),
    };
  }

  #update(interfaces: readonly LanInterface[]): void {
    const allowed = this.#options.allowed();
    this.#allowedKey = allowedKey(allowed);
    const wanted = new Map(
      interfaces
        .filter((i) => i.family === "IPv4" && addressInAny(i.address, allowed))
        .map((i) => [interfaceKey(i), i]),
    );
    for (const [key, responder] of this.#responders) {
      if (wanted.has(key)) continue;
      this.#responders.delete(key);
      this.#close(responder);
    }
    for (const [key, iface] of wanted) {
      if (this.#responders.has(key)) continue;
      const responder = this.#open(iface);
      if (responder) this.#responders.set(key, responder);
    }
  }

  #open(iface: LanInterface): Responder | undefined {
    const { log } = this.#options;
    const port = this.#options.port();
    let socket: MdnsSocket;
    try {
      // bind 0.0.0.0: a socket bound to the unicast address would never see the group's datagrams.
      socket = mdns({ interface: iface.address, bind: "0.0.0.0", reuseAddr: true }) as MdnsSocket;
    } catch (error) {
      log.warn("mdns.open_failed", { interface: iface.name, error });
      return undefined;
    }
    const records = recordsFor({
      instance: this.#instance,
      host: this.#host,
      port,
      address: iface.address,
      ttl: MDNS_TTL_SECONDS,
    });
    const responder: Responder = { iface, socket, records, announcements: [] };
    socket.on("error", (error) => {
      this.#counters.add("errors");
      log.debug("mdns.error", { interface: iface.name, error });
    });
    socket.on("query", (query, rinfo) => this.#answer(responder, query, rinfo));
    log.info("mdns.advertising", {
      service: APT_PROXY_SERVICE,
      interface: iface.name,
      address: `${iface.address}:${port}`,
    });
    // RFC 6762 §8.3: announce the records, at least twice, a second apart.
    for (let i = 0; i < MDNS_ANNOUNCEMENTS; i++) {
      responder.announcements.push(setTimeout(() => {
        this.#counters.add("announcements");
        socket.respond({ answers: records });
      }, i * 1_000));
    }
    return responder;
  }

  #answer(
    responder: Responder,
    query: { id?: number; questions: { name: string; type: string }[] },
    rinfo: { address: string; port: number },
  ): void {
    this.#counters.add("queries");
    if (!onSubnet(rinfo.address, responder.iface)) return; // heard through another interface
    if (!addressInAny(rinfo.address, this.#options.allowed())) {
      return this.#counters.add("refused_client");
    }
    const answers = new Map<string, MdnsRecord>();
    for (const question of query.questions) {
      const name = question.name.toLowerCase();
      for (const record of responder.records) {
        if (record.name.toLowerCase() !== name) continue;
        if (question.type !== "ANY" && question.type !== record.type) continue;
        answers.set(`${record.name}/${record.type}`, record);
      }
      if (name === DNS_SD_SERVICES && (question.type === "PTR" || question.type === "ANY")) {
        answers.set(DNS_SD_SERVICES, {
          name: DNS_SD_SERVICES,
          type: "PTR",
          ttl: MDNS_TTL_SECONDS,
          data: APT_PROXY_SERVICE,
        });
      }
    }
    if (answers.size === 0) return;
    if (!this.#limit.allow(interfaceKey(responder.iface))) {
      return this.#counters.add("dropped_rate");
    }
    this.#counters.add("answers");
    const given = [...answers.values()];
    // The records a browser needs next (SRV, TXT, A) come along as additionals.
    const additionals = responder.records.filter((r) => !answers.has(`${r.name}/${r.type}`));
    if (rinfo.port !== 5353) {
      // A legacy one-shot query (RFC 6762 §6.7): a unicast answer carrying its id and question.
      responder.socket.respond(
        { id: query.id, questions: query.questions, answers: given, additionals },
        rinfo,
      );
    } else {
      responder.socket.respond({ answers: given, additionals });
    }
  }

  async #close(responder: Responder): Promise<void> {
    for (const timer of responder.announcements) clearTimeout(timer);
    const goodbye = responder.records.map((r) => ({ ...r, ttl: 0 }));
    await new Promise<void>((resolve) => {
      try {
        responder.socket.respond({ answers: goodbye }, () => resolve());
      } catch {
        resolve();
      }
      setTimeout(resolve, 500);
    });
    try {
      responder.socket.destroy();
    } catch { /* closed */ }
  }
}

/** The allowed blocks as text, to see that a reload changed them. */
const allowedKey = (allowed: readonly Cidr[]) => allowed.map((c) => c.text).join(",");

function safeHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "host";
  }
}
