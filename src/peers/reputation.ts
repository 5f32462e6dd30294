/**
 * What peers learn about bad peers. A daemon that proved a peer sent wrong
 * data publishes a signed vote against it in the DHT, under NOT(its node
 * id); before using a peer, a daemon reads its votes and weighs them: one
 * voter lowers its score, two or more (distinct keys) make it avoided. A
 * peer's node id is learned by pinging its DHT node, which listens on the
 * same port number as its HTTP server. Votes count for a day from the wrong
 * data, and ours are stored again while they do.
 *
 * @module
 */

import { type Endpoint, type NodeId, signedPart, type Vote, voteIsCurrent } from "../dht/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Clock, systemClock, type TimerId } from "../util/clock.ts";
import {
  BLAME_WINDOW_MS,
  REPUTATION_RECHECK_MS,
  REPUTATION_WAIT_MS,
  REPUTATIONS_REMEMBERED,
  VOTE_REPUBLISH_MS,
} from "./constants.ts";
import type { PeerRecords } from "./peer_records.ts";
import type { VoteSigner } from "./voter_key.ts";

/** What reputation needs of the DHT node. */
export interface ReputationNode {
  /** The node id of the DHT node at `endpoint`, if it answers. */
  ping(endpoint: Endpoint): Promise<NodeId | undefined>;
  readonly votes: {
    publish(vote: Vote): Promise<number>;
    read(accused: NodeId): Promise<Vote[]>;
  };
}

/** What reputation is built from. */
export interface ReputationDeps {
  /** The DHT node, once it runs. */
  readonly node: () => ReputationNode | undefined;
  /** Our voting key (made on first use). */
  readonly signer: () => Promise<VoteSigner>;
  readonly records: PeerRecords;
  readonly log: Logger;
  readonly clock?: Clock;
  /** How long a download waits for a peer's votes, from when the peer was found (`peers.wait`). */
  readonly waitMs?: number;
}

interface Judgement {
  /** When it was last judged (0: never). */
  at: number;
  running?: Promise<void>;
  /** When the latest judgement started: downloads wait for it until `waitMs` after that. */
  startedAt: number;
}

const keyOf = (peer: Endpoint) => `${peer.address}|${peer.port}`;

/** Votes against peers: ours published, others' read. */
export class PeerReputation {
  #judged = new Map<string, Judgement>();
  #ours = new Map<string, Vote>();
  #timer: TimerId | undefined;
  #stopped = false;
  readonly #clock: Clock;

  constructor(private readonly deps: ReputationDeps) {
    this.#clock = deps.clock ?? systemClock;
  }

  /**
   * Starts storing our votes again (the node has joined): those about the
   * peers blamed within the last day, and every VOTE_REPUBLISH_MS after.
   */
  start(): void {
    const now = this.#clock.now();
    for (const record of this.deps.records.all()) {
      const last = Math.max(0, ...record.hashErrors);
      if (record.port > 0 && now - last < BLAME_WINDOW_MS) void this.accuse(record, last);
    }
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
  }

  /** Publishes a vote against a peer that sent wrong data at `at` (ms since the epoch). */
  async accuse(peer: Endpoint, at = this.#clock.now()): Promise<void> {
    const node = this.deps.node();
    if (!node || this.#stopped) return;
    const target = { address: peer.address, port: peer.port };
    try {
      const accused = await node.ping(target);
      if (!accused) {
        this.deps.log.info("peers.vote_skipped", { peer: keyOf(target), reason: "no DHT node" });
        return;
      }
      const signer = await this.deps.signer();
      const fields = { accused, peer: target, at: Math.floor(at / 1000), key: signer.publicKey };
      const vote: Vote = { ...fields, sig: await signer.sign(signedPart(fields)) };
      this.#ours.set(keyOf(target), vote);
      const stored = await node.votes.publish(vote);
      this.deps.log.info("peers.voted", { peer: keyOf(target), stored });
    } catch (error) {
      this.deps.log.warn("peers.vote_failed", { peer: keyOf(target), error });
    }
  }

  /** Starts reading a peer's votes, unless they were read lately (the finder just found it). */
  consider(peer: Endpoint): void {
    void this.#judge(peer);
  }

  /**
   * Reads the votes about the peers not judged lately and writes them into
   * their records; waits for each at most `waitMs` from when its reading
   * started (a peer not judged by then is used as it is, and judged for the
   * next download).
   */
  async screen(peers: readonly Endpoint[], waitMs = this.deps.waitMs ?? REPUTATION_WAIT_MS) {
    let until = 0;
    const pending: Promise<void>[] = [];
    for (const peer of peers) {
      const judgement = this.#judge(peer);
      if (!judgement?.running) continue;
      pending.push(judgement.running);
      until = Math.max(until, judgement.startedAt + waitMs);
    }
    const left = until - this.#clock.now();
    if (!pending.length || left <= 0) return;
    let timer: TimerId | undefined;
    const late = new Promise<void>((resolve) => timer = this.#clock.setTimeout(resolve, left));
    await Promise.race([Promise.allSettled(pending), late]);
    this.#clock.clearTimeout(timer!);
  }

  /** The peer's judgement, started unless it runs or was made lately. */
  #judge(peer: Endpoint): Judgement | undefined {
    const key = keyOf(peer);
    const known = this.#judged.get(key);
    if (known?.running) return known;
    if (known && this.#clock.now() - known.at < REPUTATION_RECHECK_MS) return undefined;
    const node = this.deps.node();
    if (!node) return undefined;
    const judgement: Judgement = known ?? { at: 0, startedAt: 0 };
    this.#judged.delete(key); // re-inserted: Map order is the age the oldest is forgotten by
    this.#judged.set(key, judgement);
    if (this.#judged.size > REPUTATIONS_REMEMBERED) {
      this.#judged.delete(this.#judged.keys().next().value!);
    }
    judgement.startedAt = this.#clock.now();
    judgement.running = (async () => {
      try {
        const accused = await node.ping({ address: peer.address, port: peer.port });
        if (!accused) return; // no DHT node there: nothing to go by
        const votes = await node.votes.read(accused);
        this.deps.records.judged(peer.address, peer.port, votes.length);
        if (votes.length) {
          this.deps.log.info("peers.votes_read", { peer: key, voters: votes.length });
        }
      } catch (error) {
        this.deps.log.debug("peers.votes_unread", { peer: key, error });
      } finally {
        judgement.at = this.#clock.now();
        judgement.running = undefined;
      }
    })();
    return judgement;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      const now = this.#clock.now();
      for (const [key, vote] of this.#ours) {
        if (!voteIsCurrent(vote, now)) this.#ours.delete(key);
        else void this.deps.node()?.votes.publish(vote).catch(() => {});
      }
      this.#schedule();
    }, VOTE_REPUBLISH_MS);
  }
}
