/**
 * The piece scheduler's decisions, without I/O or timers: which source is
 * asked for which piece, when a source is given up, when the mirror races a
 * slow piece, and which piece is handed on next. The caller
 * (piece_fetch.ts) makes the requests, reports how each ended, and passes
 * the time in, so the same schedule runs on a real clock and on a test's.
 *
 * The rules: pieces are asked for in order within a window ahead of the one
 * being handed on; peers first, each with a few requests in flight; a
 * mirror only for a piece no peer can still give; a source that failed
 * `maxFailures` times is not asked again, and none is asked twice for the
 * same piece; when the piece apt waits for has not come `hedgeAfterMs`
 * after the last one was handed on, a mirror races for it.
 *
 * @module
 */

import {
  PIECE_HEDGE_AFTER_MS,
  PIECE_MAX_FAILURES,
  PIECE_REQUESTS_PER_SOURCE,
  PIECE_WINDOW,
} from "./constants.ts";

/** What the schedule needs to know of a source: a peer, or (without one) a mirror. */
export interface ScheduledSource {
  readonly peer?: unknown;
}

/** How the schedule runs. */
export interface PieceScheduleOptions<S extends ScheduledSource> {
  /** Pieces in the file. */
  readonly count: number;
  /** Ordered best first. */
  readonly sources: readonly S[];
  /** The source a piece should come from first, if it can (a second round's shifted order). */
  readonly assign?: (index: number) => S | undefined;
  /** Pieces requested ahead of the one being handed on. */
  readonly window?: number;
  /** Requests in flight per source. */
  readonly perSource?: number;
  /** Failures after which a source is not asked again. */
  readonly maxFailures?: number;
  /** How long the piece apt waits for may take before a mirror races for it. */
  readonly hedgeAfterMs?: number;
}

/** One request to make: `index` of `source`. */
export interface PieceRequest<S> {
  readonly source: S;
  readonly index: number;
  /** A mirror racing a slow piece. */
  readonly hedge: boolean;
}

/** What to do now: requests to start, or the piece that no source is left for. */
export interface PiecePlan<S> {
  /** Counted in flight from now on; with `stuck` set, the fetch is over and none need be made. */
  readonly start: readonly PieceRequest<S>[];
  /** Set when the fetch cannot finish: this piece has no source left. */
  readonly stuck?: number;
}

/** The state of one piece-wise fetch, advanced by the caller's reports. */
export class PieceSchedule<S extends ScheduledSource> {
  readonly #count: number;
  readonly #sources: readonly S[];
  readonly #mirrors: readonly S[];
  readonly #assign?: (index: number) => S | undefined;
  readonly #window: number;
  readonly #perSource: number;
  readonly #maxFailures: number;
  readonly #hedgeAfterMs: number;
  #next = 0; // the next piece to hand on
  #lastProgress: number; // when a piece was last handed on (or the start)
  readonly #inFlight: Map<S, number>;
  readonly #failures: Map<S, number>;
  readonly #active = new Map<number, number>(); // requests in flight per piece
  readonly #triedFor = new Map<number, Set<S>>(); // sources a piece already failed with
  readonly #assigned = new Set<number>();
  readonly #ready = new Set<number>();
  readonly #hedged = new Set<number>();

  constructor(options: PieceScheduleOptions<S>, now: number) {
    this.#count = options.count;
    this.#sources = options.sources;
    this.#mirrors = options.sources.filter((s) => s.peer === undefined);
    this.#assign = options.assign;
    this.#window = options.window ?? PIECE_WINDOW;
    this.#perSource = options.perSource ?? PIECE_REQUESTS_PER_SOURCE;
    this.#maxFailures = options.maxFailures ?? PIECE_MAX_FAILURES;
    this.#hedgeAfterMs = options.hedgeAfterMs ?? PIECE_HEDGE_AFTER_MS;
    this.#lastProgress = now;
    this.#inFlight = new Map(options.sources.map((s) => [s, 0]));
    this.#failures = new Map(options.sources.map((s) => [s, 0]));
  }

  /** Every piece was handed on. */
  get done(): boolean {
    return this.#next >= this.#count;
  }

  /** The piece handed on next. */
  get next(): number {
    return this.#next;
  }

  /** The requests to start now (each counted in flight until it is reported), or where it is stuck. */
  plan(now: number): PiecePlan<S> {
    const start: PieceRequest<S>[] = [];
    const end = Math.min(this.#count, this.#next + this.#window);
    for (let index = this.#next; index < end; index++) {
      if (this.#assigned.has(index) || this.#ready.has(index)) continue;
      const source = this.#pick(index);
      if (source === undefined) return { start, stuck: index };
      if (source === "busy") break; // every source that could is busy: wait
      start.push(this.#begin(source, index, false));
    }
    // The piece apt waits for is slow in coming (or every peer is stuck): let a mirror race for it.
    if (this.#hedgeDue(now)) {
      const mirror = this.#mirrors.find((m) => this.#usable(m, this.#next) && this.#hasRoom(m));
      if (mirror) {
        this.#hedged.add(this.#next);
        start.push(this.#begin(mirror, this.#next, true));
      }
    }
    return { start };
  }

  /**
   * When `plan` should run again though no request ended: the moment a
   * hedge comes due. Undefined: only when a request ends (no mirror to
   * race, already raced, or every mirror busy: their requests' ends wake).
   */
  wakeAt(now: number): number | undefined {
    if (!this.#hedgeWanted()) return undefined;
    const at = this.#lastProgress + this.#hedgeAfterMs;
    return at > now ? at : undefined;
  }

  /**
   * A request ended with the piece's verified bytes. True when they are
   * wanted; false when a twin was first or the piece was handed on already.
   */
  delivered(source: S, index: number): boolean {
    this.#ended(source, index);
    if (index < this.#next || this.#ready.has(index)) return false;
    this.#ready.add(index);
    return true;
  }

  /** A request ended without the piece: the source is charged, the piece asked of another. */
  failed(source: S, index: number): void {
    this.#failures.set(source, this.#failures.get(source)! + 1);
    const tried = this.#triedFor.get(index) ?? new Set();
    tried.add(source);
    this.#triedFor.set(index, tried);
    // The only request for it, and no copy came: to be asked of someone else.
    if (this.#active.get(index) === 1 && !this.#ready.has(index)) this.#assigned.delete(index);
    this.#ended(source, index);
  }

  /** A request ended because the whole fetch is over: nobody is charged. */
  abandoned(source: S, index: number): void {
    this.#ended(source, index);
  }

  /** The next piece in order, when it has arrived; hand it on, then call {@link handedOn}. */
  nextReady(): number | undefined {
    return this.#ready.has(this.#next) ? this.#next : undefined;
  }

  /** The piece from {@link nextReady} was handed on at `now`. */
  handedOn(now: number): void {
    this.#ready.delete(this.#next);
    this.#next++;
    this.#lastProgress = now;
  }

  #begin(source: S, index: number, hedge: boolean): PieceRequest<S> {
    this.#assigned.add(index);
    this.#inFlight.set(source, this.#inFlight.get(source)! + 1);
    this.#active.set(index, (this.#active.get(index) ?? 0) + 1);
    return { source, index, hedge };
  }

  #ended(source: S, index: number): void {
    this.#inFlight.set(source, this.#inFlight.get(source)! - 1);
    this.#active.set(index, this.#active.get(index)! - 1);
  }

  #usable(source: S, index: number): boolean {
    return this.#failures.get(source)! < this.#maxFailures &&
      !this.#triedFor.get(index)?.has(source);
  }

  #hasRoom(source: S): boolean {
    return this.#inFlight.get(source)! < this.#perSource;
  }

  /** The best source with room for this piece; "busy" if all that could are full; undefined if none can. */
  #pick(index: number): S | "busy" | undefined {
    const wanted = this.#assign?.(index);
    if (wanted && this.#usable(wanted, index)) return this.#hasRoom(wanted) ? wanted : "busy";
    // Peers first; a mirror only when no peer can still give this piece.
    const peers = this.#sources.filter((s) => s.peer !== undefined && this.#usable(s, index));
    const candidates = peers.length
      ? peers
      : this.#sources.filter((s) => s.peer === undefined && this.#usable(s, index));
    if (candidates.length === 0) return undefined;
    return candidates.find((s) => this.#hasRoom(s)) ?? "busy";
  }

  /** A mirror could still race for the piece apt waits for. */
  #hedgeWanted(): boolean {
    return this.#mirrors.length > 0 && !this.done && !this.#ready.has(this.#next) &&
      !this.#hedged.has(this.#next);
  }

  #hedgeDue(now: number): boolean {
    return this.#hedgeWanted() && now - this.#lastProgress >= this.#hedgeAfterMs;
  }
}
