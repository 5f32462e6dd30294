/**
 * What this daemon knows of each peer, kept in the database across
 * restarts: bytes each way, hash errors (blame), recent speed and lag, and
 * the score that orders peers (DESIGN.md, "Peers and pieces"): the product of
 * factors in [0, 1] for hash errors in the last day, speed, lag to the first
 * byte, pending requests and an open connection.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  BLAME_ERRORS_TO_ZERO,
  BLAME_WINDOW_MS,
  CONNECTION_IDLE_MS,
  LAG_TO_ZERO_MS,
  NO_CONNECTION_FACTOR,
  ONE_VOTER_FACTOR,
  PENDING_TO_ZERO,
  VOTERS_TO_AVOID,
} from "./constants.ts";

/** A peer's record. */
export interface PeerRecord {
  readonly address: string;
  readonly port: number;
  bytesDown: number;
  bytesUp: number;
  /** Times (ms since the epoch) of hash errors blamed on this peer. */
  hashErrors: number[];
  /** Other failures (timeouts, refused connections, short bodies). */
  failures: number;
  /** Bytes per second of the last transfer. */
  speed: number;
  /** Milliseconds from request to first byte, last transfer. */
  lagMs: number;
  /** Requests in flight now (not persisted). */
  pending: number;
  /** When a connection was last used (not persisted): keep-alive makes the next request cheap. */
  lastUsed: number;
  /** Other daemons that voted against it in the DHT, as last read (not persisted: read again). */
  voters: number;
}

/** The factor of the votes against a peer: one voter counts for less than several. */
function votesFactor(voters: number): number {
  return voters >= VOTERS_TO_AVOID ? 0 : voters === 1 ? ONE_VOTER_FACTOR : 1;
}

/** The score of a peer, in [0, 1]. */
export function scoreOf(record: PeerRecord, fastest: number, now: number): number {
  const recentErrors = record.hashErrors.filter((at) => now - at < BLAME_WINDOW_MS).length;
  const errors = Math.max(0, 1 - recentErrors / BLAME_ERRORS_TO_ZERO);
  // A peer not measured yet counts as fast: it deserves a first chance.
  const speed = record.speed > 0 && fastest > 0 ? Math.min(1, record.speed / fastest) : 1;
  const lag = Math.max(0, 1 - record.lagMs / LAG_TO_ZERO_MS);
  const pending = Math.max(0, 1 - record.pending / PENDING_TO_ZERO);
  const connection = now - record.lastUsed < CONNECTION_IDLE_MS ? 1 : NO_CONNECTION_FACTOR;
  return errors * speed * lag * pending * connection * votesFactor(record.voters ?? 0);
}

/** All peers' records, loaded at start and written back as they change. */
export class PeerRecords {
  #records = new Map<string, PeerRecord>();
  #fastest = 0;
  readonly #save: StatementSync;

  constructor(private readonly db: DatabaseSync, private readonly now = Date.now) {
    this.#save = db.prepare(
      `INSERT INTO peers (address, port, bytes_down, bytes_up, hash_errors, failures, speed, lag_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(address, port) DO UPDATE SET bytes_down = excluded.bytes_down,
      bytes_up = excluded.bytes_up, hash_errors = excluded.hash_errors, failures = excluded.failures,
      speed = excluded.speed, lag_ms = excluded.lag_ms`,
    );
    const rows = db.prepare("SELECT * FROM peers").all() as {
      address: string;
      port: number;
      bytes_down: number;
      bytes_up: number;
      hash_errors: string;
      failures: number;
      speed: number;
      lag_ms: number;
    }[];
    for (const row of rows) {
      const record: PeerRecord = {
        address: row.address,
        port: row.port,
        bytesDown: row.bytes_down,
        bytesUp: row.bytes_up,
        hashErrors: parseTimes(row.hash_errors),
        failures: row.failures,
        speed: row.speed,
        lagMs: row.lag_ms,
        pending: 0,
        lastUsed: 0,
        voters: 0,
      };
      this.#records.set(keyOf(record), record);
      this.#fastest = Math.max(this.#fastest, record.speed);
    }
  }

  /** The record of a peer (created on first sight). */
  get(address: string, port: number): PeerRecord {
    const key = `${address}|${port}`;
    let record = this.#records.get(key);
    if (!record) {
      record = {
        address,
        port,
        bytesDown: 0,
        bytesUp: 0,
        hashErrors: [],
        failures: 0,
        speed: 0,
        lagMs: 0,
        pending: 0,
        lastUsed: 0,
        voters: 0,
      };
      this.#records.set(key, record);
    }
    return record;
  }

  /** A peer's score now. */
  score(record: PeerRecord): number {
    return scoreOf(record, this.#fastest, this.now());
  }

  /**
   * The peers worth asking, best first. Score only ranks; a peer proven to
   * have sent wrong data (a hash error blamed on it) in the last day, or
   * that several other daemons voted against, is left out altogether.
   */
  rank<T extends { address: string; port: number }>(peers: readonly T[]): T[] {
    const now = this.now();
    const proven = (peer: T) => {
      const record = this.get(peer.address, peer.port);
      return record.voters >= VOTERS_TO_AVOID ||
        record.hashErrors.some((at) => now - at < BLAME_WINDOW_MS);
    };
    return peers.filter((peer) => !proven(peer)).sort((a, b) =>
      this.score(this.get(b.address, b.port)) - this.score(this.get(a.address, a.port))
    );
  }

  /** A transfer from the peer ended well. */
  delivered(record: PeerRecord, bytes: number, lagMs: number, totalMs: number): void {
    record.bytesDown += bytes;
    record.lagMs = lagMs;
    record.speed = bytes / Math.max(totalMs / 1000, 0.001);
    record.lastUsed = this.now();
    this.#fastest = Math.max(this.#fastest, record.speed);
    this.#persist(record);
  }

  /** What other daemons' votes say of the peer (read from the DHT). */
  judged(address: string, port: number, voters: number): void {
    this.get(address, port).voters = voters;
  }

  /** The peer sent bytes that failed their hash: the blame is kept. */
  blame(record: PeerRecord): void {
    const now = this.now();
    record.hashErrors = [...record.hashErrors.filter((at) => now - at < BLAME_WINDOW_MS), now];
    this.#persist(record);
  }

  /** The peer failed otherwise (timeout, refused, cut short). */
  /** A request to the peer started (+1) or ended (-1): peers busy with others rank lower. */
  busy(record: PeerRecord, delta: 1 | -1): void {
    record.pending = Math.max(0, record.pending + delta);
  }

  failed(record: PeerRecord): void {
    record.failures++;
    record.lagMs = 15_000; // unanswered: as slow as the lag factor counts
    this.#persist(record);
  }

  /**
   * Bytes we uploaded to a peer. Its requests come from passing ports, so they
   * count for the record of that address (the one it announced, if known).
   */
  uploaded(address: string, bytes: number): void {
    const record = [...this.#records.values()].find((r) => r.address === address) ??
      this.get(address, 0);
    record.bytesUp += bytes;
    this.#persist(record);
  }

  /** Every record, best first (status pages). */
  all(): (PeerRecord & { score: number })[] {
    return [...this.#records.values()]
      .map((record) => ({ ...record, score: this.score(record) }))
      .sort((a, b) => b.score - a.score);
  }

  #persist(record: PeerRecord): void {
    this.#save.run(
      record.address,
      record.port,
      record.bytesDown,
      record.bytesUp,
      JSON.stringify(record.hashErrors),
      record.failures,
      record.speed,
      record.lagMs,
    );
  }
}

function keyOf(record: { address: string; port: number }): string {
  return `${record.address}|${record.port}`;
}

function parseTimes(text: string): number[] {
  try {
    const value = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is number => typeof v === "number") : [];
  } catch {
    return [];
  }
}
