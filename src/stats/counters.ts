/**
 * Traffic counters of this run: requests and bytes by where they came from.
 * {@link PersistedCounters} adds the runs before.
 *
 * @module
 */

/** Where bytes served to apt came from. */
export type ServedFrom = "cache" | "peer" | "mirror" | "revalidated" | "stale" | "none";

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

  constructor(now = Date.now) {
    this.startedAt = now();
  }

  /** Counts one answered request and the bytes it sent. */
  served(source: ServedFrom, bytes: number): void {
    add(this.requests, source, 1);
    add(this.bytes, source, bytes);
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
