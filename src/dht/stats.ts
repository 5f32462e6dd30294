/**
 * Counters of one DHT node: traffic, queries by type, failures.
 *
 * @module
 */

/** The counters; plain numbers and maps so they serialize as they are. */
export class DhtCounters {
  queriesSent: Record<string, number> = {};
  queriesReceived: Record<string, number> = {};
  responsesReceived = 0;
  errorsReceived = 0;
  timeouts = 0;
  /** Queries that went unanswered, by method. */
  timeoutsByMethod: Record<string, number> = {};
  retransmissions = 0;
  packetsIn = 0;
  packetsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Packets that did not decode, or answers nobody asked for. */
  malformed = 0;
  unexpected = 0;
  rateLimited = 0;

  countQuerySent(method: string): void {
    this.queriesSent[method] = (this.queriesSent[method] ?? 0) + 1;
  }
  countTimeout(method: string): void {
    this.timeouts++;
    this.timeoutsByMethod[method] = (this.timeoutsByMethod[method] ?? 0) + 1;
  }
  countQueryReceived(method: string): void {
    this.queriesReceived[method] = (this.queriesReceived[method] ?? 0) + 1;
  }
}

/**
 * Where a node stands, in the words the log and the status page share:
 * `joined` (nodes answer), `waiting` (no bootstrap node configured and
 * nobody has come: as configured, not a fault) or `not_joined` (it had
 * somewhere to join through and nobody answered).
 */
export type DhtState = "joined" | "waiting" | "not_joined";

/** The state of a node with `nodes` in its table, `answers` heard and `bootstrap` nodes configured. */
export function dhtState(nodes: number, answers: number, bootstrap: number): DhtState {
  if (nodes > 0 && answers > 0) return "joined";
  return nodes === 0 && bootstrap === 0 ? "waiting" : "not_joined";
}

/** Figures for the status page and benchmarks. */
export interface DhtStats {
  id: string;
  address: string;
  port: number;
  publicAddress?: string;
  nodes: number;
  buckets: number;
  estimatedNodes?: number;
  storedInfoHashes: number;
  storedPeers: number;
  storedItems: number;
  /** Votes about peers stored for others. */
  storedVotes: number;
  pendingQueries: number;
  counters: DhtCounters;
}
