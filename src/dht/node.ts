/**
 * A mainline-DHT node: joins through saved contacts or bootstrap nodes,
 * answers queries, keeps its routing table fresh, and offers the lookups the
 * rest of apt-dht uses (find peers, announce, BEP 44 get/put).
 *
 * @module
 */

import { Logger } from "../log/mod.ts";
import { AddressVotes } from "./address_votes.ts";
import { isExemptFromBep42, isSecureId, secureId } from "./bep42.ts";
import { type Clock, systemClock, type TimerId } from "../util/clock.ts";
import {
  BEP42_ENFORCE_FROM_NODES,
  BUCKET_REFRESH_MS,
  K,
  MAINTENANCE_INTERVAL_MS,
  MAX_ITEM_VALUE_BYTES,
} from "./constants.ts";
import { ValueTooLargeError } from "./errors.ts";
import { createQueryHandler } from "./handlers.ts";
import type { Contact, Endpoint } from "./krpc/compact.ts";
import { collect, type LookupContext, type LookupResult, runLookup } from "./lookup.ts";
import { isAptDhtClient } from "./krpc/codec.ts";
import { sha1 } from "../hash/mod.ts";
import { fulfilledOnceOne } from "../util/fulfilled_once_one.ts";
import { FIND_NODE, GET_ITEM, GET_PEERS, GET_VOTES, storeAtClosest } from "./lookup_variants.ts";
import { idToHex, type NodeId, randomId, randomIdInBucket } from "./node_id.ts";
import { RateLimiter } from "./rate_limit.ts";
import { RoutingTable } from "./routing_table.ts";
import { type Answer, Rpc } from "./rpc.ts";
import { SizeEstimator } from "./size_estimate.ts";
import type { DatagramSocket } from "./socket.ts";
import { DhtCounters, dhtState, type DhtStats } from "./stats.ts";
import { type DhtStateStore, MemoryDhtStateStore } from "./state_store.ts";
import { OwnAnnounces } from "./own_announces.ts";
import { Pinger } from "./pinger.ts";
import { ItemStore, PeerStore } from "./storage.ts";
import { TokenManager } from "./tokens.ts";
import { resolveAll } from "./resolve_bootstrap.ts";
import { VoteStore } from "./vote_store.ts";
import { DhtVotes } from "./votes.ts";

/** How to build a node. */
export interface DhtNodeOptions {
  readonly socket: DatagramSocket;
  /** Nodes to join through when the saved table gives nothing (host names are resolved). */
  readonly bootstrap?: readonly Endpoint[];
  readonly store?: DhtStateStore;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** A fixed id (tests); otherwise the saved one, or a new random one. */
  readonly id?: NodeId;
  /** BEP 43: our queries say we are read-only (unreachable from outside, behind NAT). */
  readonly readOnly?: boolean;
}

/** A DHT node. */
export class DhtNode {
  #id: NodeId;
  #table: RoutingTable;
  readonly #clock: Clock;
  readonly #rpc: Rpc;
  readonly #tokens: TokenManager;
  readonly #peers: PeerStore;
  readonly #items: ItemStore;
  readonly #votes: VoteStore;
  /** Votes about peers that sent wrong data (apt-dht's own queries; see votes.ts). */
  readonly votes: DhtVotes;
  readonly #counters = new DhtCounters();
  readonly #estimator = new SizeEstimator();
  readonly #store: DhtStateStore;
  readonly #log: Logger;
  #maintenance?: TimerId;
  readonly #addressVotes = new AddressVotes();
  readonly #ownAnnounces: OwnAnnounces;
  readonly #pinger: Pinger;
  #stopped = false;

  constructor(private readonly options: DhtNodeOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? new Logger("warn");
    this.#store = options.store ?? new MemoryDhtStateStore();
    const saved = this.#store.load();
    this.#id = options.id ?? saved?.id ?? randomId();
    const now = () => this.#clock.now();
    this.#table = new RoutingTable(this.#id, now);
    this.#tokens = new TokenManager(now);
    this.#peers = new PeerStore(now);
    this.#items = new ItemStore(now);
    this.#votes = new VoteStore(now);
    this.#ownAnnounces = new OwnAnnounces(now);
    const handler = createQueryHandler({
      ownId: () => this.#id,
      table: this.#table,
      tokens: this.#tokens,
      peers: this.#peers,
      items: this.#items,
      votes: this.#votes,
      ownPeer: (infoHash) => this.#ownPeer(infoHash),
      onQueried: (id, from, readOnly) => this.#pinger.queriedBy(id, from, readOnly),
    });
    this.#rpc = new Rpc(
      options.socket,
      this.#clock,
      this.#counters,
      new RateLimiter(now),
      (query, from) => handler(query, from),
      (error) => this.#log.debug("dht.socket_error", { error }),
    );
    this.#rpc.readOnly = options.readOnly ?? false;
    this.votes = new DhtVotes({
      // Only to apt-dht nodes (their `v` says so): others do not keep votes, and some mainline
      // clients leave a query they do not know unanswered (bittorrent-dht) rather than say 204.
      sendVote: (target, vote, signal) =>
        storeAtClosest(
          this.#lookupContext(),
          target,
          signal,
          (c) => isAptDhtClient(c.client),
          (c, token) =>
            this.#rpc.query(c, "apt_vote", { id: this.#id, target, vote, token }, signal),
        ),
      lookupVotes: async (target, signal) =>
        (await collect(runLookup(this.#lookupContext(), target, GET_VOTES, signal))).values,
      store: this.#votes,
      now,
    });
    this.#pinger = new Pinger({
      rpc: this.#rpc,
      table: () => this.#table,
      ownId: () => this.#id,
      learn: (contact, answer) => this.#learn(contact, answer),
      now,
    });
  }

  /** Our node id. */
  get id(): NodeId {
    return this.#id;
  }

  /** Where our socket listens. */
  get local(): Endpoint {
    return this.options.socket.local;
  }

  /** The routing table (read-only use: status, tests). */
  get table(): RoutingTable {
    return this.#table;
  }

  /**
   * Starts answering, rejoins through the saved contacts and then the
   * bootstrap nodes, and looks up our own id to fill the table.
   */
  async start(): Promise<void> {
    this.#rpc.start();
    this.#log.info("dht.listening", {
      id: idToHex(this.#id),
      listen: `${this.local.address}:${this.local.port}`,
    });
    const saved = this.#store.load();
    const candidates: Endpoint[] = [...(saved?.contacts ?? [])];
    await this.#pingAll(candidates);
    if (this.#table.size < K && this.options.bootstrap?.length) {
      await this.#pingAll(await resolveAll(this.options.bootstrap, this.#log));
    }
    if (this.#table.size > 0) {
      await this.findNode(this.#id);
      await this.refresh();
    }
    this.#scheduleMaintenance();
    // In the status page's words (dhtState): "joined nodes=0" said nothing true.
    const [nodes, bootstrap] = [this.#table.size, this.options.bootstrap?.length ?? 0];
    const state = dhtState(nodes, this.#counters.responsesReceived, bootstrap);
    this.#log.info(`dht.${state}`, { nodes, estimate: this.#estimator.estimate, bootstrap });
  }

  /** Saves the table and stops answering. */
  async stop(): Promise<void> {
    this.#stopped = true; // a join still under way must not schedule anything after this
    if (this.#maintenance !== undefined) this.#clock.clearTimeout(this.#maintenance);
    this.#maintenance = undefined;
    this.#save();
    await this.#rpc.stop();
  }

  /** Pings `endpoint` and adds it to the table if it answers; the answer's id is returned. */
  async ping(endpoint: Endpoint): Promise<NodeId | undefined> {
    try {
      const answer = await this.#rpc.query(endpoint, "ping", { id: this.#id });
      this.#learn({ id: answer.body.id, ...answer.from }, answer);
      return answer.body.id;
    } catch {
      return undefined;
    }
  }

  /** Drops `id` from the routing table: a node known to be gone (a LAN node that went silent). */
  forget(id: NodeId): void {
    this.#table.remove(id);
  }

  /**
   * Fills the buckets that are not full by looking up a random id in each:
   * a new node knows mostly its own neighbourhood, and lookups toward the
   * rest of the id space need a few contacts there.
   */
  async refresh(signal?: AbortSignal): Promise<void> {
    const depths = this.#table.describe().filter((b) => b.ids.length < K).map((b) => b.depth);
    await Promise.allSettled(depths.map((depth) => {
      this.#table.refreshed(depth);
      return this.findNode(randomIdInBucket(this.#id, depth), signal);
    }));
  }

  /** Looks up the nodes closest to `target`. */
  async findNode(target: NodeId, signal?: AbortSignal): Promise<LookupResult> {
    const { result } = await collect(runLookup(this.#lookupContext(), target, FIND_NODE, signal));
    this.#estimate(target, result);
    return result;
  }

  /** Peers that announced `key`, yielded as lookups find them (each once). */
  async *findPeers(
    key: NodeId,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<Endpoint, LookupResult> {
    const seen = new Set<string>();
    // What was announced to us first: in a small network we may be the closest node ourselves.
    for (const peer of this.#peers.get(key)) {
      seen.add(`${peer.address}|${peer.port}`);
      yield peer;
    }
    const lookup = runLookup(this.#lookupContext(), key, GET_PEERS, options.signal);
    while (true) {
      const next = await lookup.next();
      if (next.done) {
        this.#estimate(key, next.value);
        return next.value;
      }
      const id = `${next.value.address}|${next.value.port}`;
      if (seen.has(id)) continue;
      seen.add(id);
      yield next.value;
    }
  }

  /**
   * Announces that we serve `key` on TCP `port` to the K closest nodes that gave us tokens.
   * Resolves once one stored it; `allStored`: how many did once every store settled.
   */
  async announce(
    key: NodeId,
    port: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ stored: number; allStored: Promise<number> }> {
    this.#ownAnnounces.add(key, port);
    const { result } = await collect(this.findPeers(key, options));
    const targets = result.closest.filter((c) => c.token && this.#mayStore(c));
    const stores = targets.map((c) =>
      this.#rpc.query(c, "announce_peer", {
        id: this.#id,
        infoHash: key,
        port,
        token: c.token!,
        impliedPort: false,
      }, options.signal)
    );
    // Done once one node stored it (the rest go on): waiting for every retransmission to a lost
    // packet made announces crawl under loss.
    const allStored = Promise.allSettled(stores).then((o) =>
      o.filter((r) => r.status === "fulfilled").length
    );
    return { stored: await fulfilledOnceOne(stores), allStored };
  }

  /** We no longer serve `key`: get_peers answers stop naming us (stored copies expire). */
  withdraw(key: NodeId): void {
    this.#ownAnnounces.remove(key);
  }

  /** Stores a bencoded value as a BEP 44 immutable item; returns its key (SHA-1 of the value). */
  async putImmutable(
    value: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ key: NodeId; stored: number }> {
    if (value.length > MAX_ITEM_VALUE_BYTES) {
      throw new ValueTooLargeError(
        `BEP 44 values are at most ${MAX_ITEM_VALUE_BYTES} bytes, this is ${value.length}`,
      );
    }
    const key = sha1(value);
    this.#items.put(key, value, "self");
    const stored = await storeAtClosest(
      this.#lookupContext(),
      key,
      options.signal,
      () => true,
      (c, token) => this.#rpc.query(c, "put", { id: this.#id, value, token }, options.signal),
    );
    return { key, stored };
  }

  /** Fetches a BEP 44 immutable item by key; the value is checked against the key. */
  async getImmutable(
    key: NodeId,
    options: { signal?: AbortSignal } = {},
  ): Promise<Uint8Array | undefined> {
    const local = this.#items.get(key);
    if (local) return local;
    const lookup = runLookup(this.#lookupContext(), key, GET_ITEM, options.signal);
    const first = await lookup.next();
    await lookup.return(undefined as never);
    return first.done ? undefined : first.value;
  }

  /** The peers stored here for `key` (what a get_peers for it is answered with; tests, simulation). */
  storedPeers(key: NodeId): Endpoint[] {
    return this.#peers.get(key);
  }

  /** Ourselves as a peer for `infoHash`, at the address others reach us on (when known). */
  #ownPeer(infoHash: NodeId): Endpoint | undefined {
    const bound = this.local.address;
    const specific = bound === "0.0.0.0" || bound === "::" ? undefined : bound;
    return this.#ownAnnounces.peerFor(infoHash, this.#addressVotes.address ?? specific);
  }

  /** The node's figures. */
  stats(): DhtStats {
    return {
      id: idToHex(this.#id),
      address: this.local.address,
      port: this.local.port,
      publicAddress: this.#addressVotes.address,
      nodes: this.#table.size,
      buckets: this.#table.bucketCount,
      estimatedNodes: this.#estimator.estimate,
      storedInfoHashes: this.#peers.keys,
      storedPeers: this.#peers.size,
      storedItems: this.#items.size,
      storedVotes: this.#votes.size,
      pendingQueries: this.#rpc.pendingCount,
      counters: this.#counters,
    };
  }

  #lookupContext(): LookupContext {
    return {
      rpc: this.#rpc,
      clock: this.#clock,
      ownId: () => this.#id,
      seeds: (target) => this.#table.closest(target, K),
      onAnswer: (contact, answer) => this.#learn({ ...contact, id: answer.body.id }, answer),
      onFailure: (contact, soft) => this.#table.fail(contact.id, soft),
      counts: (contact) => this.#mayStore(contact),
    };
  }

  /**
   * Feeds a lookup to the size estimate. We leave ourselves out: refresh
   * targets are chosen near our own id, so our distance to them is no
   * sample of the network's spacing.
   */
  #estimate(target: NodeId, result: LookupResult): void {
    this.#estimator.add(target, result.closest.map((c) => c.id));
  }

  /** BEP 42: a node counts for results and may store our values if its id fits its address. */
  #mayStore(contact: Contact): boolean {
    return isExemptFromBep42(contact.address) || isSecureId(contact.id, contact.address);
  }

  /** A node answered: it goes into the table, and its view of our address is a vote. */
  #learn(contact: Contact, answer: Answer): void {
    if (this.#table.size >= BEP42_ENFORCE_FROM_NODES && !this.#mayStore(contact)) return;
    const result = this.#table.insert({
      id: contact.id,
      address: contact.address,
      port: contact.port,
    });
    if (result.kind === "ping") this.#pinger.questionable(result.questionable);
    if (answer.ip) this.#voteAddress(answer.ip.address, contact.address);
  }

  /** Adopts a public address once enough distinct nodes report it, and a BEP 42 id to match. */
  #voteAddress(address: string, voter: string): void {
    if (!this.#addressVotes.vote(address, voter)) return;
    if (isSecureId(this.#id, address)) return;
    // Our id must follow our address: take a secure one and rebuild the table around it.
    const contacts = this.#table.all();
    this.#id = secureId(address);
    this.#table = new RoutingTable(this.#id, () => this.#clock.now());
    for (const contact of contacts) this.#table.insert(contact);
    this.#log.info("dht.secure_id", { address, id: idToHex(this.#id) });
    this.#save();
  }

  /** Pings every endpoint; resolves once K have answered or all are settled (dead ones take 14 s). */
  #pingAll(endpoints: readonly Endpoint[]): Promise<void> {
    if (endpoints.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let answered = 0;
      let settled = 0;
      for (const endpoint of endpoints) {
        this.ping(endpoint).then((id) => {
          if (id) answered++;
          settled++;
          if (answered >= K || settled === endpoints.length) resolve();
        });
      }
    });
  }

  #scheduleMaintenance(): void {
    if (this.#stopped) return;
    this.#maintenance = this.#clock.setTimeout(() => {
      this.#peers.expire();
      this.#items.expire();
      this.#votes.expire();
      this.#ownAnnounces.expire();
      for (const depth of this.#table.staleBuckets(BUCKET_REFRESH_MS)) {
        this.#table.refreshed(depth);
        this.findNode(randomIdInBucket(this.#id, depth)).catch((error) =>
          this.#log.debug("dht.refresh_failed", { depth, error })
        );
      }
      this.#save();
      this.#scheduleMaintenance();
    }, MAINTENANCE_INTERVAL_MS);
  }

  #save(): void {
    try {
      this.#store.save({ id: this.#id, contacts: this.#table.all() });
    } catch (error) {
      this.#log.warn("dht.save_failed", { error });
    }
  }
}
