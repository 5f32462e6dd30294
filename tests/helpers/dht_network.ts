/**
 * A private DHT of many nodes on loopback UDP, for tests and benchmarks:
 * one bootstrap node, the others joining through it, optionally over
 * sockets that lose a share of their packets.
 */

import { DhtNode, type NodeId, UdpSocket } from "../../src/dht/mod.ts";
import { LossySocket } from "./lossy_socket.ts";

export interface DhtNetwork extends AsyncDisposable {
  readonly nodes: DhtNode[];
  readonly sockets: LossySocket[];
  /** Sets the loss rate of every node's socket. */
  setLoss(rate: number): void;
  /** Delays every datagram each node sends by `ms` (each round trip to a node takes that much longer). */
  setDelay(ms: number): void;
  stop(): Promise<void>;
}

export interface NetworkOptions {
  /** Loss while the network forms (default 0). */
  readonly lossRate?: number;
  /** Nodes joining at once. */
  readonly batch?: number;
  readonly random?: () => number;
  /** Ids to use, one per node (default random). */
  readonly ids?: NodeId[];
}

/** Starts `size` nodes; every node has joined and refreshed its table when this resolves. */
export async function startDhtNetwork(
  size: number,
  options: NetworkOptions = {},
): Promise<DhtNetwork> {
  const sockets: LossySocket[] = [];
  const nodes: DhtNode[] = [];
  const make = (i: number, bootstrap?: DhtNode) => {
    // Each node on its own loopback address, as on a real network (per-address limits apply).
    const socket = new LossySocket(
      new UdpSocket(loopbackAddress(i), 0),
      options.lossRate ?? 0,
      options.random,
    );
    sockets.push(socket);
    const node = new DhtNode({
      socket,
      bootstrap: bootstrap ? [bootstrap.local] : [],
      id: options.ids?.[i],
    });
    nodes.push(node);
    return node;
  };
  const first = make(0);
  await first.start();
  const batch = options.batch ?? 25;
  for (let i = 1; i < size; i += batch) {
    const joining = [];
    for (let j = i; j < Math.min(size, i + batch); j++) joining.push(make(j, first));
    await Promise.all(joining.map((node) => node.start()));
  }
  // Nodes that joined early met few others: a refresh, as every node does periodically, fills their tables.
  for (let i = 0; i < nodes.length; i += batch) {
    await Promise.all(nodes.slice(i, i + batch).map((node) => node.refresh()));
  }
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  return {
    nodes,
    sockets,
    setLoss(rate) {
      for (const socket of sockets) socket.lossRate = rate;
    },
    setDelay(ms) {
      for (const socket of sockets) socket.delayMs = ms;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** 127.0.0.1, 127.0.0.2, … 127.0.1.0, …: one loopback address per node. */
export function loopbackAddress(i: number): string {
  const n = i + 1;
  return `127.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

/** Whether a lookup from `node` finds a peer announced for `key` on `port`. */
export async function finds(node: DhtNode, key: Uint8Array, port: number): Promise<boolean> {
  for await (const peer of node.findPeers(key)) if (peer.port === port) return true;
  return false;
}
