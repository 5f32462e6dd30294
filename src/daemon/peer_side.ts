/**
 * The daemon's side of the peer network: its DHT node (UDP, on the HTTP
 * port), the announcer that keeps our files findable, and the finder the
 * pipeline asks for peers. The node binds its socket in `start()`, once
 * HTTP has bound the port they share; until then lookups find nothing.
 *
 * @module
 */

import type { ArchiveIndex } from "../apt/mod.ts";
import type { CacheStore } from "../cache/mod.ts";
import type { Config } from "../config/mod.ts";
import { type DhtNode, type Endpoint, idFromHex } from "../dht/mod.ts";
import { systemClock } from "../util/clock.ts";
import type { Logger } from "../log/mod.ts";
import { isLocalAddress } from "../net/mod.ts";
import { interfacesListenedOn, LanDiscovery } from "../lan/mod.ts";
import {
  Announcer,
  loadVoterKey,
  PeerFinder,
  type PeerLookup,
  type PeerRecords,
  PeerReputation,
  type VoteSigner,
} from "../peers/mod.ts";
import type { Withholding } from "../privacy/mod.ts";
import { applyWithholding, createWithholding, followAnnouncements } from "./announcements.ts";
import { createDhtNode } from "./dht_node.ts";
import type { DaemonEvents, Emitter } from "./events.ts";
import type { Component } from "./lifecycle.ts";
import type { ListenPort } from "./listen_port.ts";
import type { Storage } from "./storage.ts";

/** What the peer side needs. */
export interface PeerSideDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly index: ArchiveIndex;
  readonly events: Emitter<DaemonEvents>;
  readonly listen: ListenPort;
  readonly records: PeerRecords;
  readonly log: Logger;
}

/** The DHT node, the announcer and the peer finder, started and stopped together. */
export class PeerSide implements Component, PeerLookup {
  /** Finds peers for a file (what the pipeline is given). */
  readonly finder: PeerFinder;
  /** What is kept out of the DHT (and not served to peers). */
  readonly withholding: Withholding;
  /** Votes against peers that sent wrong data: ours published, others' read before using a peer. */
  readonly reputation: PeerReputation;
  #node: DhtNode | undefined;
  #announcer: Announcer | undefined;
  #lan: LanDiscovery | undefined;
  #unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: PeerSideDeps) {
    const { config, listen } = deps;
    this.finder = new PeerFinder(
      this,
      (peer) => peer.port === listen.port && isLocalAddress(peer.address),
      { waitMs: config.peers.wait * 1000, onFound: (peer) => this.reputation.consider(peer) },
    );
    const { cache, db } = deps.storage;
    let signer: Promise<VoteSigner> | undefined;
    this.reputation = new PeerReputation({
      node: () => this.#node,
      signer: () => signer ??= loadVoterKey(db),
      records: deps.records,
      log: deps.log.child({ part: "reputation" }),
      waitMs: config.peers.wait * 1000,
    });
    this.withholding = createWithholding(
      config,
      cache,
      deps.index,
      deps.log,
      (withheld, released) => {
        if (this.#announcer) applyWithholding(this.#announcer, cache, withheld, released);
      },
    );
  }

  /** The DHT node, once started. */
  get node(): DhtNode | undefined {
    return this.#node;
  }

  /** The announcer, once started. */
  get announcer(): Announcer | undefined {
    return this.#announcer;
  }

  /** LAN discovery, when `dht.lan_discovery` is on and the node runs. */
  get lan(): LanDiscovery | undefined {
    return this.#lan;
  }

  /** {@link PeerLookup}: through the node, once it runs. */
  findPeers(key: Uint8Array, options: { signal?: AbortSignal }): AsyncGenerator<Endpoint, unknown> {
    return this.#node ? this.#node.findPeers(key, options) : nothingFound();
  }

  /** A BEP 44 item by its key (hex SHA-1), when the node runs and finds it. */
  async getItem(key: string): Promise<Uint8Array | undefined> {
    const node = this.#node;
    if (!node) return undefined;
    return await node.getImmutable(idFromHex(key));
  }

  start(): void {
    const { config, storage, index, events, listen, log } = this.deps;
    const { cache } = storage;
    const node = this.#node = createDhtNode(config, listen.port, storage.db, log);
    const announcer = this.#announcer = new Announcer(
      node,
      () => listen.port,
      systemClock,
      log.child({ part: "announce" }),
      { pieceListOf: (sha256) => pieceListOf(cache, sha256) },
    );
    if (config.peers.announce) {
      this.#unsubscribe = followAnnouncements({
        events,
        cache,
        index,
        announcer,
        withholding: this.withholding,
      });
    }
    // Joining may wait on unreachable bootstrap nodes; serving apt must not. Announces wait for it.
    node.start().then(
      () => {
        announcer.start();
        this.reputation.start();
      },
      (error) => log.error("dht.start_failed", { error }),
    );
    // The node answers from here on (start() opened its socket before its first wait).
    if (config.dht.lanDiscovery) {
      this.#lan = new LanDiscovery({
        dht: node,
        port: listen.port,
        ipv6: config.server.listen.includes(":"),
        interfaces: interfacesListenedOn(config.server.listen),
        log: log.child({ part: "lan" }),
      });
      this.#lan.start();
    }
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#lan?.stop();
    this.#announcer?.stop();
    this.withholding.stop();
    this.reputation.stop();
    await this.#node?.stop(); // saves the routing table
  }
}

// deno-lint-ignore require-yield
async function* nothingFound(): AsyncGenerator<Endpoint, unknown> {
  return undefined;
}

function pieceListOf(cache: CacheStore, sha256: string): Uint8Array | undefined {
  const key = cache.pieceListKey(sha256);
  return key ? cache.pieceList(key) : undefined;
}
