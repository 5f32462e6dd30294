/**
 * What the simulation measures: lookups of announced keys (time to the
 * first live holder, hops, messages) and how many of the nodes that should
 * store a key do.
 *
 * @module
 */

import type { LookupResult, NodeId } from "../../src/dht/mod.ts";
import { K } from "../../src/dht/constants.ts";
import type { SimNode, SimWorld } from "./sim_world.ts";
import type { VirtualClock } from "../../tests/helpers/virtual_clock.ts";

/** One lookup's outcome. */
export interface LookupSample {
  /** Simulated ms to the first live holder; undefined if none was found. */
  firstMs?: number;
  /** Simulated ms until the lookup ended. */
  doneMs: number;
  hops: number;
  /** Queries the looking node sent for it, retransmissions included. */
  messages: number;
  natted: boolean;
  /** Why nothing was found, when nothing was: the looking node left, or no holder was alive. */
  miss?: "looker_left" | "no_live_holder" | "not_found";
}

function sent(node: SimNode): number {
  const c = node.node.stats().counters;
  return Object.values(c.queriesSent).reduce((a, b) => a + b, 0) + c.retransmissions;
}

/** Looks `key` up from `from`; a hit is a peer that announced it and is still alive. */
export async function lookup(
  clock: VirtualClock,
  world: SimWorld,
  from: SimNode,
  key: NodeId,
  holders: ReadonlySet<string>,
): Promise<LookupSample> {
  const started = clock.now();
  const before = sent(from);
  let firstMs: number | undefined;
  const lookup = from.node.findPeers(key);
  let result: LookupResult | undefined;
  try {
    while (true) {
      const next = await lookup.next();
      if (next.done) {
        result = next.value;
        break;
      }
      const peer = next.value;
      if (firstMs === undefined && holders.has(peer.address) && world.isLive(peer.address)) {
        firstMs = clock.now() - started;
      }
    }
  } catch {
    // The looking node left mid-lookup: what it found so far counts.
  }
  const miss = firstMs !== undefined
    ? undefined
    : !from.alive
    ? "looker_left"
    : ![...holders].some((address) => world.isLive(address))
    ? "no_live_holder"
    : "not_found";
  return {
    firstMs,
    miss,
    doneMs: clock.now() - started,
    hops: result?.hops ?? 0,
    messages: sent(from) - before,
    natted: from.natted,
  };
}

/** Of the K live reachable nodes closest to each key, the share that stores it. */
export function coverage(world: SimWorld, keys: readonly NodeId[]): number {
  let stored = 0;
  let total = 0;
  for (const key of keys) {
    for (const n of world.closestLive(key, K)) {
      total++;
      if (n.node.storedPeers(key).length > 0) stored++;
    }
  }
  return total ? stored / total : 0;
}

/** Summary of lookups: success within each bound, medians and tails. */
export function summarize(samples: readonly LookupSample[]): Record<string, number> {
  const found = samples.filter((s) => s.firstMs !== undefined).map((s) => s.firstMs!);
  const within = (ms: number) => found.filter((f) => f <= ms).length / samples.length;
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const at = (values: number[], p: number) =>
    values.length
      ? sorted(values)[Math.min(values.length - 1, Math.floor(p * values.length))]
      : NaN;
  return {
    lookups: samples.length,
    found: found.length / samples.length,
    within_300ms: within(300),
    within_2s: within(2000),
    first_peer_p50_ms: Math.round(at(found, 0.5)),
    first_peer_p95_ms: Math.round(at(found, 0.95)),
    done_p50_ms: Math.round(at(samples.map((s) => s.doneMs), 0.5)),
    hops_mean: round(mean(samples.map((s) => s.hops))),
    messages_mean: round(mean(samples.map((s) => s.messages))),
    from_nat_within_2s: samples.filter((s) => s.natted).length
      ? samples.filter((s) => s.natted && s.firstMs !== undefined && s.firstMs <= 2000).length /
        samples.filter((s) => s.natted).length
      : NaN,
    // Misses the DHT cannot help: churn took the looker or every holder before the lookup ended.
    missed_looker_left: samples.filter((s) => s.miss === "looker_left").length,
    missed_no_live_holder: samples.filter((s) => s.miss === "no_live_holder").length,
  };
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
