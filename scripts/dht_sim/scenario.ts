/**
 * One simulated network, start to end: a population that has run a while,
 * churn from then on, keys announced by a few holders each (and one by
 * many), then lookups at each loss rate in turn, and last half of the
 * popular key's holders leaving.
 *
 * @module
 */

import { ANNOUNCE_INTERVAL_MS } from "../../src/peers/constants.ts";
import type { NodeId } from "../../src/dht/mod.ts";
import { coverage, lookup, type LookupSample, summarize } from "./measure.ts";
import { createSimulation, randomBytes, type SimNode, type SimWorld } from "./sim_world.ts";
import type { VirtualClock } from "../../tests/helpers/virtual_clock.ts";

/** What one run is given. */
export interface ScenarioOptions {
  readonly nodes: number;
  readonly losses: readonly number[];
  readonly lookups: number;
  readonly keys: number;
  readonly holdersPerKey: number;
  readonly popularHolders: number;
  readonly natShare: number;
  readonly medianSessionMs: number;
  readonly random: () => number;
  readonly log: (line: string) => void;
}

/** The port holders announce (any: the simulation connects to nobody). */
const SERVE_PORT = 3142;
/** Simulated time for the population to settle after it starts, and after each change of loss. */
const SETTLE_MS = 120_000;
/** Lookups of a phase are spread over this much simulated time. */
const LOOKUP_SPREAD_MS = 180_000;

/** Runs the scenario; its figures. */
export async function runScenario(options: ScenarioOptions): Promise<Record<string, unknown>> {
  const { random, log } = options;
  const wallStart = performance.now();
  const { clock, network, world } = createSimulation({
    natShare: options.natShare,
    medianSessionMs: options.medianSessionMs,
    random,
  });
  try {
    await world.populate(options.nodes, 30_000);
    log(`  ${options.nodes} nodes started at ${secs(clock.now())} s simulated, ${wall(wallStart)}`);
    world.startChurn();
    const steadyFrom = clock.now();

    // Keys and their holders; holders announce again on the announcer's interval while alive.
    const keys = Array.from({ length: options.keys }, () => randomBytes(20, random));
    const holders = new Map<NodeId, Set<string>>();
    const popular = randomBytes(20, random);
    const popularHolders = pick(world.livePublic(), options.popularHolders, random);
    for (const key of keys) {
      announceBy(
        clock,
        key,
        pick(world.livePublic(), options.holdersPerKey, random),
        holders,
        random,
      );
    }
    announceBy(clock, popular, popularHolders, holders, random);
    await clock.runFor(SETTLE_MS);
    log(
      `  announced at ${secs(clock.now())} s, coverage ${coverage(world, keys).toFixed(3)}, ${
        wall(wallStart)
      }`,
    );

    const phases: Record<string, unknown>[] = [];
    for (const loss of options.losses) {
      network.lossRate = loss;
      await clock.runFor(SETTLE_MS);
      const samples = await lookupsOf(clock, world, keys, holders, options.lookups, random);
      const phase = { loss, ...summarize(samples), coverage: round3(coverage(world, keys)) };
      phases.push(phase);
      log(`  loss ${loss}: ${JSON.stringify(phase)} ${wall(wallStart)}`);
    }

    // Half the popular key's holders leave; lookups must still find one of the rest.
    const leaving = popularHolders.slice(0, Math.floor(popularHolders.length / 2));
    await Promise.all(leaving.map((n) => world.leave(n)));
    await clock.runFor(10_000);
    const popularSamples = await lookupsOf(
      clock,
      world,
      [popular],
      holders,
      Math.min(100, options.lookups),
      random,
    );
    const popularPhase = {
      loss: network.lossRate,
      holders: popularHolders.length,
      left: leaving.length,
      ...summarize(popularSamples),
    };
    log(`  popular key, half its holders gone: ${JSON.stringify(popularPhase)}`);

    const { bytes, nodeHours } = world.traffic(steadyFrom);
    return {
      nodes: options.nodes,
      nat_share: options.natShare,
      median_session_min: options.medianSessionMs / 60_000,
      simulated_s: secs(clock.now()),
      wall_s: Math.round((performance.now() - wallStart) / 100) / 10,
      joins: world.joins,
      leaves: world.leaves,
      bytes_per_node_hour: Math.round(bytes / nodeHours),
      datagrams_delivered: network.delivered,
      datagrams_lost: network.lost,
      phases,
      popular_key_half_gone: popularPhase,
    };
  } finally {
    await Promise.all(world.live().map((n) => n.node.stop()));
    clock.close();
  }
}

/** `count` lookups from random live nodes of random keys with a live holder, spread over LOOKUP_SPREAD_MS. */
async function lookupsOf(
  clock: VirtualClock,
  world: SimWorld,
  keys: readonly NodeId[],
  holders: Map<NodeId, Set<string>>,
  count: number,
  random: () => number,
): Promise<LookupSample[]> {
  const runs = Array.from(
    { length: count },
    (_, i) =>
      clock.sleep((i * LOOKUP_SPREAD_MS) / count).then(() => {
        const live = world.live();
        const from = live[Math.floor(random() * live.length)];
        // A key some holder still serves (as the real-UDP benchmark does): one churn took every
        // holder of cannot be found by any DHT.
        const held = keys.filter((k) => [...holders.get(k)!].some((a) => world.isLive(a)));
        if (held.length === 0) throw new Error("churn took every holder of every key");
        const key = held[Math.floor(random() * held.length)];
        return lookup(clock, world, from, key, holders.get(key)!);
      }),
  );
  return (await clock.runUntil(Promise.all(runs), LOOKUP_SPREAD_MS + 120_000)) ?? [];
}

/** Each holder announces `key` now and again every announce interval while it lives. */
function announceBy(
  clock: VirtualClock,
  key: NodeId,
  by: SimNode[],
  holders: Map<NodeId, Set<string>>,
  random: () => number,
): void {
  holders.set(key, new Set(by.map((n) => n.address)));
  for (const holder of by) {
    const again = () => {
      if (!holder.alive) return;
      holder.node.announce(key, SERVE_PORT).catch(() => {});
      clock.setTimeout(again, ANNOUNCE_INTERVAL_MS);
    };
    clock.setTimeout(again, random() * 60_000); // spread, as holders' announcers are
  }
}

function pick<T>(items: readonly T[], count: number, random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, count);
}

function secs(ms: number): number {
  return Math.round(ms / 1000);
}

function wall(start: number): string {
  return `(${((performance.now() - start) / 1000).toFixed(1)} s wall)`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
