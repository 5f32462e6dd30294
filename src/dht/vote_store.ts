/**
 * The votes other daemons store with us, under the targets we are close to.
 * A vote is stored only if its signature verifies, it is about the node its
 * target names, and it is current. Each voter key holds one vote per target
 * (a new one replaces it), and so does each source address: an address that
 * floods votes under many keys still holds one per target. Bounded like the
 * other stores: per target, per source address, in total, and by age.
 *
 * @module
 */

import {
  MAX_VOTE_CHECKS_PER_SECOND,
  MAX_VOTE_TARGETS,
  MAX_VOTES_PER_SOURCE,
  MAX_VOTES_PER_TARGET,
  VOTE_TTL_MS,
} from "./constants.ts";
import type { Vote } from "./krpc/messages.ts";
import { idToHex, type NodeId, sameId } from "./node_id.ts";
import { RateLimiter } from "./rate_limit.ts";
import { SourceCounter } from "./storage.ts";
import { verifyVote, voteIsCurrent, voteTarget } from "./vote.ts";

interface Entry {
  readonly vote: Vote;
  readonly source: string;
  expires: number;
}

/** Why a vote was not stored. */
export type VoteRefusal = "bad signature" | "wrong target" | "expired" | "storage limit" | "busy";

/** Votes by target, then by voter key. */
export class VoteStore {
  #targets = new Map<string, Map<string, Entry>>();
  #sources = new SourceCounter();
  #size = 0;
  /** Signature checks, all sources together: past the rate a vote is refused unchecked. */
  readonly #checks: RateLimiter;

  constructor(private readonly now: () => number) {
    const rate = MAX_VOTE_CHECKS_PER_SECOND;
    this.#checks = new RateLimiter(now, rate, rate, 1);
  }

  /** Checks and stores a vote sent by `source`; undefined when stored, else why not. */
  offer(target: NodeId, vote: Vote, source: string): VoteRefusal | undefined {
    if (!sameId(voteTarget(vote.accused), target)) return "wrong target";
    if (!voteIsCurrent(vote, this.now())) return "expired";
    if (!this.#checks.allow("all")) return "busy";
    if (!verifyVote(vote)) return "bad signature";
    const hex = idToHex(target);
    const keyHex = idToHex(vote.key);
    // One vote per target for a key, and one for a source address: the newest replaces it (and
    // what it replaces does not count against the source's limit, nor goes if it is refused).
    const replaced = [...this.#targets.get(hex) ?? []].filter(([key, entry]) =>
      key === keyHex || entry.source === source
    );
    const ownReplaced = replaced.filter(([, entry]) => entry.source === source).length;
    if (this.#sources.count(source) - ownReplaced >= MAX_VOTES_PER_SOURCE) return "storage limit";
    for (const [key] of replaced) this.#drop(hex, key);
    let votes = this.#targets.get(hex);
    if (!votes) {
      if (this.#targets.size >= MAX_VOTE_TARGETS) {
        this.#dropTarget(this.#targets.keys().next().value!);
      }
      this.#targets.set(hex, votes = new Map());
    }
    if (votes.size >= MAX_VOTES_PER_TARGET) this.#drop(hex, votes.keys().next().value!);
    votes.set(keyHex, { vote, source, expires: this.now() + VOTE_TTL_MS });
    this.#sources.add(source);
    this.#size++;
    return undefined;
  }

  /** Up to `max` current votes stored under `target`, newest stored first. */
  get(target: NodeId, max: number): Vote[] {
    const votes = this.#targets.get(idToHex(target));
    if (!votes) return [];
    const now = this.now();
    return [...votes.values()].filter((e) => e.expires > now && voteIsCurrent(e.vote, now))
      .reverse().slice(0, max).map((e) => e.vote);
  }

  /** Drops what expired. */
  expire(): void {
    const now = this.now();
    for (const [hex, votes] of [...this.#targets]) {
      for (const [key, entry] of [...votes]) {
        if (entry.expires <= now || !voteIsCurrent(entry.vote, now)) this.#drop(hex, key);
      }
    }
  }

  /** Votes held. */
  get size(): number {
    return this.#size;
  }

  #drop(hex: string, key: string): void {
    const votes = this.#targets.get(hex);
    const entry = votes?.get(key);
    if (!votes || !entry) return;
    votes.delete(key);
    this.#sources.remove(entry.source);
    this.#size--;
    if (votes.size === 0) this.#targets.delete(hex);
  }

  #dropTarget(hex: string): void {
    for (const key of [...this.#targets.get(hex)?.keys() ?? []]) this.#drop(hex, key);
  }
}
