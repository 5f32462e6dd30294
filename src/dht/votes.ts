/**
 * Publishing and reading votes about peers, on top of the node's lookups.
 * Publishing: a BEP 44 `get` lookup toward the target finds the closest
 * nodes and their write tokens (every mainline node answers it), then those
 * whose answers say they are apt-dht (`v`) are sent apt-dht's own
 * `apt_vote`; one that does not know it after all answers 204 and is left
 * out. Reading: the same `get` lookup, in
 * whose answers apt-dht nodes include the votes they keep there; it does not
 * wait on nodes gone silent, since every close node keeps the votes. What is
 * read is checked here: only current votes about that node, signed by their
 * key, one per key.
 *
 * @module
 */

import { isAptDhtClient } from "./krpc/codec.ts";
import type { Contact } from "./krpc/compact.ts";
import type { QueryArgs, Vote } from "./krpc/messages.ts";
import type { Responder } from "./lookup.ts";
import { idToHex, type NodeId, sameId } from "./node_id.ts";
import type { Answer } from "./rpc.ts";
import { verifyVote, voteIsCurrent, voteTarget } from "./vote.ts";
import type { VoteStore } from "./vote_store.ts";
import { VOTES_PER_REPLY } from "./constants.ts";

/** What the votes need of their node. */
export interface VoteNode {
  ownId(): NodeId;
  /** The closest nodes to `target` that answered a `get`, with their tokens. */
  closest(target: NodeId, signal?: AbortSignal): Promise<Responder[]>;
  /** The votes the nodes closest to `target` sent with their `get` answers (unchecked). */
  lookupVotes(target: NodeId, signal?: AbortSignal): Promise<Vote[]>;
  query(
    contact: Contact,
    method: "apt_vote",
    args: QueryArgs["apt_vote"],
    signal?: AbortSignal,
  ): Promise<Answer>;
  /** Whether a node may count toward a result (BEP 42). */
  mayStore(contact: Contact): boolean;
  readonly store: VoteStore;
  readonly now: () => number;
}

/** Votes in the DHT. */
export class DhtVotes {
  constructor(private readonly node: VoteNode) {}

  /** Stores a signed vote with the nodes closest to its target; resolves with how many took it. */
  async publish(vote: Vote, signal?: AbortSignal): Promise<number> {
    const target = voteTarget(vote.accused);
    // Kept here too: in a network of two, or when we are among the closest, others read it from us.
    const local = this.node.store.offer(target, vote, "self");
    const closest = await this.node.closest(target, signal);
    // Only to apt-dht nodes (their `v` says so): others do not keep votes, and some mainline
    // clients leave a query they do not know unanswered (bittorrent-dht) rather than say 204.
    const stores = closest.filter((c) =>
      c.token && isAptDhtClient(c.client) && this.node.mayStore(c)
    ).map((c) =>
      this.node.query(c, "apt_vote", {
        id: this.node.ownId(),
        target,
        vote,
        token: c.token!,
      }, signal)
    );
    const outcomes = await Promise.allSettled(stores);
    return outcomes.filter((o) => o.status === "fulfilled").length + (local ? 0 : 1);
  }

  /** The current, correctly signed votes about `accused`, one per voter key. */
  async read(accused: NodeId, signal?: AbortSignal): Promise<Vote[]> {
    const target = voteTarget(accused);
    const found = [
      ...this.node.store.get(target, VOTES_PER_REPLY),
      ...await this.node.lookupVotes(target, signal),
    ];
    const now = this.node.now();
    const byKey = new Map<string, Vote>();
    for (const vote of found) {
      const key = idToHex(vote.key);
      if (byKey.has(key) || !sameId(vote.accused, accused) || !voteIsCurrent(vote, now)) continue;
      if (verifyVote(vote)) byKey.set(key, vote); // forged or unsigned: ignored
    }
    return [...byKey.values()];
  }
}
