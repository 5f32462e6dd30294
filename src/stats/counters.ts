/**
 * Traffic counters of this run: requests and bytes by where they came from.
 * {@link PersistedCounters} adds the runs before.
 *
 * @module
 */

import { ClientActivity } from "./client_activity.ts";
import { MirrorHealth } from "./mirror_health.ts";
import type { ServedFrom } from "./served_from.ts";
import { TrafficHistory } from "./traffic_history.ts";

/** Counters of requests and bytes, by source. */
export class TrafficCounters {
  readonly startedAt: number;
  readonly requests = new Map<string, number>();
  readonly bytes = new Map<string, number>();
  refused = 0;
  /** Bytes sent to peers that asked by hash. */
  uploaded = 0;
  /** Of those, bytes of downloads still in progress (peers following them). */
  uploadedGrowing = 0;
  /**
   * Every byte on the wire with mirrors and peers, heads included:
   * `mirror_in`, `mirror_out`, `peer_in`, `peer_out`.
   */
  readonly wire = new Map<string, number>();
  /**
   * Connections the server closed or turned away, by why: `header_timeout`,
   * `idle_timeout`, `send_timeout`, `bad_request`, `refused_per_client`,
   * `refused_per_stranger`, `refused_total`.
   */
  readonly connections = new Map<string, number>();
  /** `CONNECT` tunnels (https in proxy mode): `opened`, and `failed` (refused or unreachable). */
  readonly tunnels = new Map<string, number>();

  /** Who asked, this run. */
  readonly clients = new ClientActivity();
  /** How each mirror answered, this run. */
  readonly mirrors: MirrorHealth;
  /** Bytes by hour and source; the hours of earlier runs are loaded in by persisted.ts. */
  readonly history: TrafficHistory;

  constructor(private readonly now = Date.now) {
    this.startedAt = now();
    this.mirrors = new MirrorHealth(now);
    this.history = new TrafficHistory(now);
  }

  /** Counts one answered request of `client` and the bytes it sent. */
  served(source: ServedFrom, bytes: number, client?: string): void {
    add(this.requests, source, 1);
    add(this.bytes, source, bytes);
    const now = this.now();
    this.history.add(source, bytes, now);
    if (client !== undefined) this.clients.served(client, source, bytes, now);
  }

  /** Counts a connection the server closed or refused. */
  connection(why: string): void {
    add(this.connections, why, 1);
  }

  /** Counts a tunnel opened, or one that could not be. */
  tunnel(event: "opened" | "failed"): void {
    add(this.tunnels, event, 1);
  }

  /**
   * Counts bytes relayed through a tunnel: `in` towards the client, `out`
   * towards the far end. Kept with the wire bytes, as `tunnel_in` and
   * `tunnel_out`: passed through, never served from anywhere.
   */
  passedThrough(direction: "in" | "out", bytes: number): void {
    this.carried("tunnel", direction, bytes);
  }

  /** Counts bytes on the wire with a mirror, a peer or through a tunnel, `direction` as seen from here. */
  carried(party: "mirror" | "peer" | "tunnel", direction: "in" | "out", bytes: number): void {
    add(this.wire, `${party}_${direction}`, bytes);
  }

  /** A plain object for JSON. */
  snapshot(): {
    requests: Record<string, number>;
    bytes: Record<string, number>;
    refused: number;
    uploaded: number;
    uploaded_growing: number;
    wire: Record<string, number>;
    connections: Record<string, number>;
    tunnels: Record<string, number>;
  } {
    return {
      requests: Object.fromEntries(this.requests),
      bytes: Object.fromEntries(this.bytes),
      refused: this.refused,
      uploaded: this.uploaded,
      uploaded_growing: this.uploadedGrowing,
      wire: Object.fromEntries(this.wire),
      connections: Object.fromEntries(this.connections),
      tunnels: Object.fromEntries(this.tunnels),
    };
  }
}

/** Adds `n` to the count of `key` in `counts`. */
function add(counts: Map<string, number>, key: string, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}
