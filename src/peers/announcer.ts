/**
 * Tells the DHT which files this peer serves: every verified file in the
 * cache is announced under the first 160 bits of its SHA-256, and announced
 * again before the 30-minute expiry. Announces are paced, so a large cache
 * does not flood the network, and they start only once the node has joined.
 *
 * @module
 */

import type { Clock, TimerId } from "../util/clock.ts";
import {
  ANNOUNCE_INTERVAL_MS,
  ANNOUNCE_PACE_MARGIN,
  ANNOUNCE_RETRY_MS,
  ANNOUNCE_SECONDS,
  ANNOUNCES_IN_FLIGHT,
  ANNOUNCES_PER_SECOND,
} from "./constants.ts";
import { idFromHex, MAX_ITEM_VALUE_BYTES } from "../dht/mod.ts";
import type { Logger } from "../log/mod.ts";

/** What the announcer needs of a DHT node. */
export interface Announcing {
  announce(key: Uint8Array, port: number): Promise<{ stored: number }>;
  /** BEP 44: stores a small piece list in the DHT itself. */
  putImmutable?(value: Uint8Array): Promise<{ stored: number }>;
  /** We no longer serve `key`: the node stops naming us in its own answers. */
  withdraw?(key: Uint8Array): void;
}

/** Tunables, with their defaults. */
export interface AnnouncerOptions {
  /** Announce again after this long (peers expire after 30 minutes). */
  readonly intervalMs?: number;
  /** Try again this soon after an announce that no node stored. */
  readonly retryMs?: number;
  /** Announces started per second at least (more when the files would not all come round in an interval). */
  readonly perSecond?: number;
  /** Announces in flight at least (more at a higher pace). */
  readonly concurrency?: number;
  /** A file's bencoded piece list, if it has one (lists up to BEP 44's value limit also go into the DHT). */
  readonly pieceListOf?: (sha256: string) => Uint8Array | undefined;
}

/** The DHT key of a file: the first 20 bytes of its SHA-256. */
export function dhtKeyOf(sha256Hex: string): Uint8Array {
  return idFromHex(sha256Hex.slice(0, 40));
}

interface Entry {
  readonly sha256: string;
  readonly due: number;
}

/** How the announcer keeps up (for `/stats.json`). */
export interface AnnounceBacklog {
  /** Files due for an announce (new, to retry, or to renew) that have not gone out yet. */
  readonly overdue: number;
  /** How long the one waiting longest has been due (s): past the 30-minute expiry it is unfindable. */
  readonly behindS: number;
  readonly perSecond: number;
  readonly inFlight: number;
}

/** Announces files, paced, and keeps them announced. */
export class Announcer {
  // Three FIFO queues; each is ordered by due time because its delay is constant.
  #fresh: Entry[] = [];
  #scheduled: Entry[] = [];
  #retry: Entry[] = [];
  #known = new Set<string>();
  #inFlight = 0;
  #timer: TimerId | undefined;
  #running = false;
  #stopped = false;
  announced = 0;
  failed = 0;
  readonly #options: Required<Omit<AnnouncerOptions, "pieceListOf">>;
  readonly #pieceListOf?: (sha256: string) => Uint8Array | undefined;

  constructor(
    private readonly dht: Announcing,
    private readonly port: () => number,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: AnnouncerOptions = {},
  ) {
    this.#pieceListOf = options.pieceListOf;
    this.#options = {
      intervalMs: options.intervalMs ?? ANNOUNCE_INTERVAL_MS,
      retryMs: options.retryMs ?? ANNOUNCE_RETRY_MS,
      perSecond: options.perSecond ?? ANNOUNCES_PER_SECOND,
      concurrency: options.concurrency ?? ANNOUNCES_IN_FLIGHT,
    };
  }

  /** Files known to the announcer. */
  get size(): number {
    return this.#known.size;
  }

  /**
   * Adds a file to announce now and keep announced: its hex SHA-256 (the
   * key is its first 40 digits), or a signed Release's 40-digit signature
   * key. Repeats are ignored. With `now`, it goes out at once, ahead of the
   * pace (a download in progress that peers asking at the same moment
   * should find; a few per apt run, not a cache's thousands).
   */
  add(sha256: string, options: { now?: boolean } = {}): void {
    const hex = sha256.toLowerCase();
    if (this.#known.has(hex)) return;
    this.#known.add(hex);
    const entry = { sha256: hex, due: this.clock.now() };
    if (!options.now) return void this.#fresh.push(entry);
    this.#fresh.unshift(entry);
    if (this.#running) this.#tick();
  }

  /** Whether a file is announced (and kept announced). */
  has(sha256: string): boolean {
    return this.#known.has(sha256.toLowerCase());
  }

  /** Stops announcing a file (it left the cache, or is withheld), and the node naming us for it. */
  remove(sha256: string): void {
    const hex = sha256.toLowerCase();
    if (!this.#known.delete(hex)) return;
    this.dht.withdraw?.(dhtKeyOf(hex));
  }

  /** Starts announcing (call once the DHT node has joined); a stopped announcer stays stopped. */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true; // the join may finish after the daemon stopped: it must not restart us
    this.#running = false;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** How far behind the announces are. */
  backlog(): AnnounceBacklog {
    const now = this.clock.now();
    let overdue = 0;
    let oldest = now;
    // Each queue is in due order (the fresh one but for a few `now`, all of it already due).
    for (const queue of [this.#fresh, this.#retry, this.#scheduled]) {
      for (const entry of queue) {
        if (entry.due > now) break;
        if (!this.#known.has(entry.sha256)) continue;
        overdue++;
        oldest = Math.min(oldest, entry.due);
      }
    }
    return {
      overdue,
      behindS: Math.round((now - oldest) / 1000),
      perSecond: Math.round(this.#perSecond() * 10) / 10,
      inFlight: this.#inFlight,
    };
  }

  /** Announces started per second: the floor, or what brings every file round within an interval. */
  #perSecond(): number {
    const needed = (this.#known.size * ANNOUNCE_PACE_MARGIN) / (this.#options.intervalMs / 1000);
    return Math.max(this.#options.perSecond, needed);
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = this.clock.setTimeout(() => {
      this.#tick();
      this.#schedule();
    }, 1000 / this.#perSecond());
  }

  #next(): string | undefined {
    const now = this.clock.now();
    while (this.#fresh.length) {
      const { sha256 } = this.#fresh.shift()!;
      if (this.#known.has(sha256)) return sha256;
    }
    for (const queue of [this.#retry, this.#scheduled]) {
      while (queue.length && queue[0].due <= now) {
        const { sha256 } = queue.shift()!;
        if (this.#known.has(sha256)) return sha256;
      }
    }
    return undefined;
  }

  #tick(): void {
    const concurrency = Math.max(this.#options.concurrency, this.#perSecond() * ANNOUNCE_SECONDS);
    if (this.#inFlight >= concurrency) return;
    const sha256 = this.#next();
    if (!sha256) return;
    this.#inFlight++;
    this.dht.announce(dhtKeyOf(sha256), this.port())
      .then(({ stored }) => {
        if (stored > 0) {
          this.announced++;
          // A list small enough for a BEP 44 item is also kept in the DHT, under its SHA-1.
          const list = this.#pieceListOf?.(sha256);
          if (list && list.length <= MAX_ITEM_VALUE_BYTES && this.dht.putImmutable) {
            this.dht.putImmutable(list).catch((error) =>
              this.log.debug("announce.put_failed", { sha256, error })
            );
          }
          this.#scheduled.push({ sha256, due: this.clock.now() + this.#options.intervalMs });
        } else {
          this.failed++;
          this.#retry.push({ sha256, due: this.clock.now() + this.#options.retryMs });
        }
      })
      .catch((error) => {
        this.failed++;
        this.log.debug("announce.failed", { sha256, error });
        this.#retry.push({ sha256, due: this.clock.now() + this.#options.retryMs });
      })
      .finally(() => this.#inFlight--);
  }
}
