/**
 * The one iterative lookup engine. `find_node`, `get_peers` and BEP 44 `get`
 * are thin variants that say what to ask and what an answer yields.
 *
 * Up to ALPHA queries are in flight toward the closest candidates not yet
 * asked. A query unanswered after a few round trips (`Rpc.staleAfterMs`)
 * stops holding a slot and stops counting for termination (its answer is
 * still used if it comes, and the RPC layer keeps retransmitting). The
 * lookup ends when the K closest live candidates have all answered, or when
 * nobody is left to ask and the stale queries had LOOKUP_STALE_GRACE_MS
 * more. Values are yielded as they arrive.
 *
 * @module
 */

import {
  ALPHA,
  K,
  LOOKUP_STALE_GRACE_MS,
  LOOKUP_STALE_MAX_MS,
  MAX_LOOKUP_CANDIDATES,
  MAX_LOOKUP_QUERIES,
} from "./constants.ts";
import type { Clock } from "../util/clock.ts";
import type { Contact } from "./krpc/compact.ts";
import type { QueryArgs } from "./krpc/messages.ts";
import { compareDistance, idToHex, type NodeId, sameId } from "./node_id.ts";
import type { Answer, Rpc } from "./rpc.ts";
import { waitForChange } from "../util/change_signal.ts";

/** What a lookup needs from its node. */
export interface LookupContext {
  readonly rpc: Rpc;
  readonly clock: Clock;
  ownId(): NodeId;
  /** Contacts to start from, closest to `target` first. */
  seeds(target: NodeId): Contact[];
  /** A node answered (the node adds it to its routing table). */
  onAnswer(contact: Contact, answer: Answer): void;
  /** A node did not answer. */
  /** `soft`: unanswered past the stale mark when the lookup ended, not a timeout. */
  onFailure(contact: Contact, soft: boolean): void;
  /** Whether a node may count toward the result (BEP 42). */
  counts(contact: Contact): boolean;
}

/** One kind of lookup. */
export interface LookupVariant<T, M extends "find_node" | "get_peers" | "get"> {
  readonly method: M;
  args(ownId: NodeId, target: NodeId): QueryArgs[M];
  /** What an answer yields to the caller (peers, an item). */
  extract(answer: Answer, target: NodeId): T[];
  /** True when the lookup can stop early, given how many values were yielded. */
  satisfied?(yielded: number): boolean;
  /**
   * How long stale queries near the result may still answer once the rest
   * did (default LOOKUP_STALE_GRACE_MS); 0 for what the nodes that answered
   * hold is enough (votes are kept by all the closest nodes).
   */
  readonly staleGraceMs?: number;
}

/** A node that answered, with the write token it gave and its client (`v`). */
export interface Responder extends Contact {
  readonly token?: Uint8Array;
  readonly client?: Uint8Array;
}

/** How a lookup went. */
export interface LookupResult {
  /** The K closest nodes that answered and count toward the result, closest first. */
  readonly closest: Responder[];
  readonly queried: number;
  readonly responded: number;
  /** Depth of the deepest node in `closest` (seeds are at depth 1). */
  readonly hops: number;
}

type State = "new" | "pending" | "stale" | "responded" | "failed";

interface Candidate {
  contact: Contact;
  state: State;
  depth: number;
  token?: Uint8Array;
  client?: Uint8Array;
  /** When its query went stale. */
  staleAt?: number;
  /** Stops its query (the lookup is over, or the caller aborted). */
  stop?: AbortController;
  launchedAt?: number;
}

/** Runs a lookup for `target`, yielding values as they arrive; returns the result when done. */
export async function* runLookup<T, M extends "find_node" | "get_peers" | "get">(
  context: LookupContext,
  target: NodeId,
  variant: LookupVariant<T, M>,
  signal?: AbortSignal,
): AsyncGenerator<T, LookupResult> {
  const ownId = context.ownId();
  const candidates: Candidate[] = []; // sorted by distance to target
  const known = new Set<string>();
  const ready: T[] = [];
  const change = waitForChange();
  const onOuterAbort = () => change.notify(); // wake the loop, which then throws the reason
  signal?.addEventListener("abort", onOuterAbort, { once: true });
  let queried = 0;
  let responded = 0;
  let yielded = 0;

  const add = (contact: Contact, depth: number) => {
    const key = idToHex(contact.id);
    if (known.has(key) || sameId(contact.id, ownId) || contact.port === 0) return;
    known.add(key);
    const candidate: Candidate = { contact, state: "new", depth };
    let i = candidates.length;
    while (i > 0 && compareDistance(target, candidates[i - 1].contact.id, contact.id) > 0) i--;
    candidates.splice(i, 0, candidate);
    if (candidates.length > MAX_LOOKUP_CANDIDATES) dropFarthest();
  };
  // Bounded list: the farthest candidate goes, unless a query to it is in flight (its answer
  // is awaited). Far ones matter least: the result is the K closest that answered.
  const dropFarthest = () => {
    for (let i = candidates.length - 1; i >= 0; i--) {
      if (candidates[i].state !== "pending") return void candidates.splice(i, 1);
    }
  };
  for (const seed of context.seeds(target)) add(seed, 1);

  const launch = (candidate: Candidate) => {
    candidate.state = "pending";
    const launchedAt = candidate.launchedAt = context.clock.now();
    const stop = candidate.stop = new AbortController();
    const querySignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    queried++;
    const staleMs = context.rpc.staleAfterMs();
    const stale = context.clock.setTimeout(() => {
      if (candidate.state === "pending") {
        candidate.state = "stale";
        candidate.staleAt = context.clock.now();
        change.notify();
      }
    }, staleMs);
    // Sent again at the stale mark: a lost query is asked again within a few round trips, and
    // its answer can come within the grace a near stale one gets.
    const args = variant.args(ownId, target);
    context.rpc.query(candidate.contact, variant.method, args, querySignal, staleMs)
      .then(
        (answer) => {
          context.clock.clearTimeout(stale);
          candidate.state = "responded";
          candidate.token = answer.body.token;
          candidate.client = answer.client;
          responded++;
          context.onAnswer(candidate.contact, answer);
          for (const node of answer.body.nodes ?? []) add(node, candidate.depth + 1);
          for (const node of answer.body.nodes6 ?? []) add(node, candidate.depth + 1);
          ready.push(...variant.extract(answer, target));
          change.notify();
        },
        () => {
          context.clock.clearTimeout(stale);
          // Unanswered for LOOKUP_STALE_MAX_MS counts against the node even when the lookup
          // ended first and cut the query short: otherwise a dead node is never marked failed.
          // Less does not (the lookup leaves such a query running to its own timeout): the stale
          // mark follows our usual round trips, and a node farther than those must not be
          // evicted for it.
          const silentMs = context.clock.now() - launchedAt;
          if (
            querySignal.aborted && (candidate.state !== "stale" || silentMs < LOOKUP_STALE_MAX_MS)
          ) {
            return;
          }
          const soft = querySignal.aborted;
          candidate.state = "failed";
          context.onFailure(candidate.contact, soft);
          change.notify();
        },
      );
  };

  try {
    while (true) {
      if (signal?.aborted) throw signal.reason;
      while (ready.length) {
        yielded++;
        yield ready.shift()!;
      }
      if (variant.satisfied?.(yielded)) break;

      // The K closest live candidates: ask the ones not yet asked, stop when all answered.
      let inFlight = 0;
      for (const c of candidates) if (c.state === "pending") inFlight++;
      let window = 0;
      let allAnswered = true;
      // Until when queries gone stale, nearer than the K-th live candidate, may still answer.
      let graceUntil = 0;
      for (const candidate of candidates) {
        if (candidate.state === "failed") continue;
        if (candidate.state === "stale") {
          if (window < K) {
            graceUntil = Math.max(
              graceUntil,
              candidate.staleAt! + (variant.staleGraceMs ?? LOOKUP_STALE_GRACE_MS),
            );
          }
          continue;
        }
        if (window++ >= K) break;
        if (candidate.state === "responded") continue;
        allAnswered = false;
        if (candidate.state === "new" && inFlight < ALPHA && queried < MAX_LOOKUP_QUERIES) {
          launch(candidate);
          inFlight++;
        }
      }
      const exhausted = queried >= MAX_LOOKUP_QUERIES || !candidates.some((c) => c.state === "new");
      if (inFlight === 0 && ((allAnswered && window >= K) || exhausted)) {
        // The K closest live ones answered, or nobody is left to ask. A stale query nearer than
        // those may still answer (lost once, or farther than our usual round trips) and hold
        // what the lookup is for: it gets a while more.
        const left = graceUntil - context.clock.now();
        if (left <= 0) break;
        const timer = context.clock.setTimeout(() => change.notify(), left);
        await change.wait();
        context.clock.clearTimeout(timer);
        continue;
      }
      await change.wait();
    }
    while (ready.length) yield ready.shift()!;
  } finally {
    signal?.removeEventListener("abort", onOuterAbort);
    // Stragglers are not asked again. A query stale for less than LOOKUP_STALE_MAX_MS goes on
    // in the RPC layer: its answer, or its timeout, then tells the table about the node.
    const now = context.clock.now();
    for (const c of candidates) {
      const young = c.state === "stale" && now - c.launchedAt! < LOOKUP_STALE_MAX_MS;
      if (!young) c.stop?.abort(new Error("lookup finished"));
    }
  }

  const closest = candidates
    .filter((c) => c.state === "responded" && context.counts(c.contact))
    .slice(0, K);
  return {
    closest: closest.map((c) => ({ ...c.contact, token: c.token, client: c.client })),
    queried,
    responded,
    hops: closest.reduce((max, c) => Math.max(max, c.depth), 0),
  };
}

/** Drains a lookup, collecting its values and its result. */
export async function collect<T>(
  lookup: AsyncGenerator<T, LookupResult>,
): Promise<{ values: T[]; result: LookupResult }> {
  const values: T[] = [];
  while (true) {
    const next = await lookup.next();
    if (next.done) return { values, result: next.value };
    values.push(next.value);
  }
}
