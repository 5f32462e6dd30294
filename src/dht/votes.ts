/**
 * Publishing and reading votes about peers, on top of the node's lookups.
 * Publishing: the node sends apt-dht's own `apt_vote` to the closest nodes
 * whose answers to a `get` lookup say they are apt-dht (`v`); one that does
 * not know it after all answers 204 and is left out. Reading: the same kind
 * of `get` lookup, in whose answers apt-dht nodes include the votes they
 * keep there; it does not wait on nodes gone silent, since every close node
 * keeps the votes. What is read is checked here: only current votes about
 * that node, signed by their key, one per key.
 *
 * @module
 */

import type { Vote } from "./krpc/messages.ts";
import { idToHex, type NodeId, sameId } from "./node_id.ts";
import { verifyVote, voteIsCurrent, voteTarget } from "./vote.ts";
import type { VoteStore } from "./vote_store.ts";
import { VOTES_PER_REPLY } from "./constants.ts";

/** What the votes need of their node. */
export interface VoteNode {
  /** Sends a vote to the apt-dht nodes closest to `target`; resolves with how many stored it. */
  sendVote(target: NodeId, vote: Vote, signal?: AbortSignal): Promise<number>;
  /** The votes the nodes closest to `target` sent with their `get` answers (unchecked). */
  lookupVotes(target: NodeId, signal?: AbortSignal): Promise<Vote[]>;
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
    return await this.node.sendVote(target, vote, signal) + (local ? 0 : 1);
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
