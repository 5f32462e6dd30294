/**
 * Fetching a file in 512 KiB pieces from several sources at once: each piece
 * is asked for with a byte range, checked against the piece list as it
 * arrives, and handed on strictly in order. A piece that fails its hash or
 * does not come is asked of another source; the source that sent a bad
 * piece is blamed. At most a window of pieces is in memory at any time.
 *
 * @module
 */

import { type MirrorClient, readBounded, UpstreamError } from "../fetch/mod.ts";
import { pieceCount, pieceDigest, pieceHashAt, type PieceList } from "../hash/mod.ts";
import { type Clock, monotonicClock } from "../util/clock.ts";
import { PieceSchedule } from "./piece_schedule.ts";
import type { Source, SourceReport } from "./source.ts";

/** The client a piece request goes through. */
export type PieceClient = Pick<MirrorClient, "request">;

/** What a piece-wise fetch needs. */
export interface PieceFetchOptions {
  readonly list: PieceList;
  /** Ordered best first; peers are asked first, mirrors only for pieces no peer could give. */
  readonly sources: readonly Source[];
  readonly client: (source: Source) => PieceClient;
  readonly signal: AbortSignal;
  /** Receives verified pieces in order, with who sent each; the next piece waits until it returns. */
  readonly onPiece: (index: number, bytes: Uint8Array, source: Source) => Promise<void>;
  /**
   * Whether each piece is checked against the list (default). Unchecked, the
   * list gives only the lengths: for a second round when the list proved wrong.
   */
  readonly checked?: boolean;
  /** The source a piece should come from first, if it can (a re-fetch's shifted order). */
  readonly assign?: (index: number) => Source | undefined;
  readonly onReport?: (source: Source, report: SourceReport) => void;
  /** A request to a source started (+1) or ended (-1). */
  readonly onBusy?: (source: Source, delta: 1 | -1) => void;
  /** Pieces requested ahead of the one being handed on. */
  readonly window?: number;
  /** Requests in flight per source. */
  readonly perSource?: number;
  /** Failures after which a source is not asked again. */
  readonly maxFailures?: number;
  /**
   * When the piece apt waits for has been with a peer this long, a mirror is
   * asked for it too, and the first good copy wins: slow peers never make apt
   * wait much longer than the mirror alone would.
   */
  readonly hedgeAfterMs?: number;
  /** Time for lags and the hedge (a test's clock; monotonic time by default). */
  readonly clock?: Clock;
}

/** Fetches every piece; resolves when the last one was handed on, rejects when a piece cannot be had. */
export async function fetchPieces(options: PieceFetchOptions): Promise<void> {
  // Requests still out when this ends (hedged twins, stalled peers) are cut off with it.
  const done = new AbortController();
  try {
    await fetchAll(options, AbortSignal.any([options.signal, done.signal]));
  } finally {
    done.abort(new Error("piece fetch over"));
  }
}

async function fetchAll(options: PieceFetchOptions, signal: AbortSignal): Promise<void> {
  const { list, sources } = options;
  const clock = options.clock ?? monotonicClock;
  const schedule = new PieceSchedule({
    count: pieceCount(list.length, list.pieceLength),
    sources,
    assign: options.assign,
    window: options.window,
    perSource: options.perSource,
    maxFailures: options.maxFailures,
    hedgeAfterMs: options.hedgeAfterMs,
  }, clock.now());
  const arrived = new Map<number, { bytes: Uint8Array; source: Source }>();
  const checked = options.checked ?? true;
  // Wake-ups set a flag first, so one that comes while the loop is busy is not lost.
  let dirty = false;
  let resolver: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    resolver?.();
  };

  const request = async (source: Source, index: number) => {
    const start = index * list.pieceLength;
    const end = Math.min(list.length, start + list.pieceLength) - 1;
    const started = clock.now();
    options.onBusy?.(source, 1);
    try {
      const response = await options.client(source).request({
        url: source.url,
        rangeFrom: start,
        rangeTo: end,
        signal,
      });
      const lagMs = clock.now() - started;
      if (
        response.status !== 206 ||
        !response.headers.get("content-range")?.startsWith(`bytes ${start}-${end}/`)
      ) {
        response.cancel();
        throw new UpstreamError(
          source.url,
          "status",
          `piece ${index}: answered ${response.status}`,
        );
      }
      // Never more than the piece: an endless body stops at its first byte too many.
      const bytes = await readBounded(response.body, end - start + 1, source.url);
      if (bytes.length !== end - start + 1) {
        throw new UpstreamError(source.url, "interrupted", `piece ${index} short`);
      }
      if (checked) {
        const digest = pieceDigest(bytes);
        const want = pieceHashAt(list, index);
        if (!digest.every((b, i) => b === want[i])) {
          options.onReport?.(source, { kind: "wrong", piece: { index, digest } });
          throw new UpstreamError(source.url, "mismatch", `piece ${index} fails its hash`);
        }
      }
      options.onReport?.(source, {
        kind: "delivered",
        bytes: bytes.length,
        lagMs,
        totalMs: clock.now() - started,
      });
      // A hedged twin may have been first.
      if (schedule.delivered(source, index)) arrived.set(index, { bytes, source });
    } catch (error) {
      if (signal.aborted) return schedule.abandoned(source, index);
      if (!(error instanceof UpstreamError && error.failure === "mismatch")) {
        options.onReport?.(source, { kind: "failed" });
      }
      schedule.failed(source, index);
    } finally {
      options.onBusy?.(source, -1);
      wake();
    }
  };

  while (!schedule.done) {
    dirty = false;
    if (signal.aborted) throw signal.reason;
    // Hand on what is ready, in order.
    for (let index; (index = schedule.nextReady()) !== undefined;) {
      const { bytes, source } = arrived.get(index)!;
      arrived.delete(index);
      await options.onPiece(index, bytes, source);
      schedule.handedOn(clock.now());
    }
    if (schedule.done) break;
    const plan = schedule.plan(clock.now());
    if (plan.stuck !== undefined) {
      throw new UpstreamError(
        sources.at(-1)?.url ?? "",
        "status",
        `no source left for piece ${plan.stuck}`,
      );
    }
    for (const { source, index } of plan.start) request(source, index);
    // Wake on news, or when a mirror should race the piece apt waits for.
    const wakeAt = schedule.wakeAt(clock.now());
    const timer = wakeAt === undefined
      ? undefined
      : clock.setTimeout(wake, Math.max(0, wakeAt - clock.now()));
    if (!dirty) await new Promise<void>((resolve) => resolver = resolve);
    if (timer !== undefined) clock.clearTimeout(timer);
    resolver = undefined;
  }
}
