/**
 * The simulation's population: real `DhtNode`s on the simulated network,
 * some behind NAT (BEP 43 read-only), each leaving after a session length
 * drawn from a log-normal and replaced by a newcomer that joins through a
 * few live nodes, as on the real DHT. A first population starts as if it
 * had run a while: each table holds, for every depth, up to K random nodes
 * of that part of the id space (what a long-lived node's table converges
 * to), which spares the simulation N full joins it does not measure.
 *
 * @module
 */

import { secureId } from "../../src/dht/bep42.ts";
import { BUCKET_REFRESH_MS, K } from "../../src/dht/constants.ts";
import { DhtNode, idToHex, type NodeId } from "../../src/dht/mod.ts";
import { compareDistance } from "../../src/dht/node_id.ts";
import { SimNetwork, type SimSocket } from "./sim_network.ts";
import { VirtualClock } from "../../tests/helpers/virtual_clock.ts";

/** One simulated node. */
export interface SimNode {
  readonly node: DhtNode;
  readonly socket: SimSocket;
  readonly address: string;
  readonly natted: boolean;
  alive: boolean;
  readonly bornAt: number;
  /** Bytes it had sent when it left (its counters go with it). */
  bytesOut: number;
  leftAt?: number;
}

/** How the population behaves. */
export interface SimWorldOptions {
  /** Share of nodes behind NAT (read-only, BEP 43). */
  readonly natShare: number;
  /** Median session length; the log-normal's σ gives the spread. */
  readonly medianSessionMs: number;
  readonly sessionSigma: number;
  readonly random: () => number;
}

/** Newcomers join through this many live nodes they were told of (a bootstrap list). */
const BOOTSTRAP_CONTACTS = 8;

/** The population, its churn and an oracle of who is alive. */
export class SimWorld {
  readonly all: SimNode[] = [];
  #live = new Set<SimNode>();
  #byAddress = new Map<string, SimNode>();
  #nextAddress = 0;
  #churn = false;
  joins = 0;
  leaves = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly network: SimNetwork,
    private readonly options: SimWorldOptions,
  ) {}

  /** Live nodes. */
  live(): SimNode[] {
    return [...this.#live];
  }

  /** Live nodes others can reach (not behind NAT): those that can serve and store. */
  livePublic(): SimNode[] {
    return this.live().filter((n) => !n.natted);
  }

  /** A live node by address, if any. */
  isLive(address: string): boolean {
    return this.#byAddress.get(address)?.alive ?? false;
  }

  /** The `count` live reachable nodes closest to `key`: who should store it. */
  closestLive(key: NodeId, count = K): SimNode[] {
    return this.livePublic()
      .sort((a, b) => compareDistance(key, a.node.id, b.node.id))
      .slice(0, count);
  }

  /** Builds `count` nodes with tables as if they had run a while, and starts them over `spreadMs`. */
  async populate(count: number, spreadMs: number): Promise<void> {
    const nodes = Array.from({ length: count }, () => this.#create());
    // Tables last changed at random moments of the past refresh period, as of nodes of any age:
    // their refreshes come spread out, not all at once 15 minutes in.
    const age = () => this.options.random() * BUCKET_REFRESH_MS;
    warmTables(
      nodes.filter((n) => !n.natted),
      nodes,
      this.options.random,
      (_node, fill) => this.clock.backdated(age(), fill),
    );
    const started = nodes.map((n) =>
      this.clock.sleep(this.options.random() * spreadMs).then(() => n.node.start())
    );
    await this.clock.runUntil(Promise.all(started), spreadMs + 60_000);
  }

  /** From now on, nodes leave at the end of their session and a newcomer replaces each. */
  startChurn(): void {
    this.#churn = true;
    for (const n of this.#live) this.#scheduleLeave(n);
  }

  /** Takes `node` off the network at once (no goodbye: the DHT has none). */
  async leave(node: SimNode): Promise<void> {
    if (!node.alive) return;
    node.alive = false;
    node.leftAt = this.clock.now();
    node.bytesOut = node.node.stats().counters.bytesOut;
    this.#live.delete(node);
    this.leaves++;
    await node.node.stop();
    if (this.#churn) this.#join();
  }

  /** Bytes sent by every node that ever ran, and the node-hours they ran. */
  traffic(since: number): { bytes: number; nodeHours: number } {
    let bytes = 0;
    let ms = 0;
    const now = this.clock.now();
    for (const n of this.all) {
      bytes += n.alive ? n.node.stats().counters.bytesOut : n.bytesOut;
      ms += Math.max(0, (n.leftAt ?? now) - Math.max(n.bornAt, since));
    }
    return { bytes, nodeHours: ms / 3_600_000 };
  }

  #create(bootstrap?: { address: string; port: number }[], mayBeNatted = true): SimNode {
    const index = this.#nextAddress++;
    // Public-looking addresses (BEP 42 applies: each id is the secure one for its address).
    const address = `${11 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}.7`;
    const natted = mayBeNatted && this.options.random() < this.options.natShare;
    const socket = this.network.socket(address, natted);
    const node = new DhtNode({
      socket,
      clock: this.clock,
      id: secureId(address, randomBytes(20, this.options.random)),
      readOnly: natted,
      bootstrap,
    });
    const sim: SimNode = {
      node,
      socket,
      address,
      natted,
      alive: true,
      bornAt: this.clock.now(),
      bytesOut: 0,
    };
    this.all.push(sim);
    this.#byAddress.set(address, sim);
    this.#live.add(sim);
    return sim;
  }

  /**
   * A reachable node that stays (a daemon under study), joined through a
   * few live nodes as a newcomer is; resolves once it has joined.
   */
  async spawnStaying(): Promise<SimNode> {
    const node = this.#create(this.#bootstrapList(), false);
    await this.clock.runUntil(node.node.start(), 120_000);
    return node;
  }

  #bootstrapList(): { address: string; port: number }[] {
    const reachable = this.livePublic();
    return Array.from(
      { length: Math.min(BOOTSTRAP_CONTACTS, reachable.length) },
      () => reachable[Math.floor(this.options.random() * reachable.length)].socket.local,
    );
  }

  #join(): void {
    const joiner = this.#create(this.#bootstrapList());
    this.joins++;
    joiner.node.start().catch(() => {});
    this.#scheduleLeave(joiner);
  }

  #scheduleLeave(node: SimNode): void {
    const { medianSessionMs, sessionSigma, random } = this.options;
    const session = medianSessionMs * Math.exp(sessionSigma * gaussian(random));
    this.clock.setTimeout(() => void this.leave(node), session);
  }
}

/**
 * Fills each node's table as a long-lived node's would be: for every depth
 * (the id space sharing that many leading bits with its own id, then
 * differing), up to K random reachable nodes from that part.
 */
function warmTables(
  reachable: SimNode[],
  nodes: SimNode[],
  random: () => number,
  at: (node: SimNode, fill: () => void) => void,
): void {
  const sorted = [...reachable].sort((a, b) => idToHex(a.node.id) < idToHex(b.node.id) ? -1 : 1);
  const hex = sorted.map((n) => idToHex(n.node.id));
  const rangeOf = (id: NodeId, bits: number, flip: boolean) => {
    const [low, high] = prefixBounds(id, bits, flip);
    const from = lowerBound(hex, low);
    return { from, count: lowerBound(hex, high) - from };
  };
  for (const n of nodes) at(n, () => fillTable(n));
  function fillTable(n: SimNode): void {
    const id = n.node.id;
    for (let depth = 0; depth < 160; depth++) {
      const there = rangeOf(id, depth + 1, true);
      const picks = there.count <= K
        ? [...Array(there.count).keys()]
        : sample(there.count, K, random);
      for (const i of picks) {
        const contact = sorted[there.from + i];
        n.node.table.insert({ id: contact.node.id, ...contact.socket.local });
      }
      // Nobody else shares one more bit with us: every deeper range is empty.
      const closer = rangeOf(id, depth + 1, false).count - (n.natted ? 0 : 1);
      if (closer <= 0) break;
    }
  }
}

/**
 * Hex bounds of the ids whose first `bits` bits are those of `id` (with the
 * last of them flipped when `flip`): [low, high) for a lower-bound search.
 */
function prefixBounds(id: NodeId, bits: number, flip: boolean): [string, string] {
  const low = id.slice();
  const byte = (bits - 1) >> 3;
  const bit = 7 - ((bits - 1) % 8);
  if (flip) low[byte] ^= 1 << bit;
  low[byte] &= ~((1 << bit) - 1) & 0xff;
  low.fill(0, byte + 1);
  const high = low.slice();
  high[byte] |= (1 << bit) - 1;
  high.fill(0xff, byte + 1);
  return [idToHex(low), idToHex(high) + "~"];
}

function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sample(range: number, count: number, random: () => number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * range));
  return [...picked];
}

/** `count` bytes drawn from `random` (ids, keys). */
export function randomBytes(count: number, random: () => number): Uint8Array {
  return Uint8Array.from({ length: count }, () => Math.floor(random() * 256));
}

/** A standard normal draw (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** How a simulation is set up. */
export interface SimulationOptions {
  readonly natShare: number;
  readonly medianSessionMs: number;
  readonly random: () => number;
}

/**
 * A simulated internet (round trips 20-200 ms, NAT mappings kept a minute)
 * and an empty population on it; the clock starts one refresh period in,
 * since tables are backdated by up to that much.
 */
export function createSimulation(options: SimulationOptions) {
  const clock = new VirtualClock(BUCKET_REFRESH_MS);
  const network = new SimNetwork(clock, {
    minRttMs: 20,
    maxRttMs: 200,
    natTimeoutMs: 60_000,
    random: options.random,
  });
  const world = new SimWorld(clock, network, { ...options, sessionSigma: 1 });
  return { clock, network, world };
}
