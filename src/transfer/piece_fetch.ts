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
import {
  PIECE_HEDGE_AFTER_MS,
  PIECE_HEDGE_POLL_MS,
  PIECE_MAX_FAILURES,
  PIECE_REQUESTS_PER_SOURCE,
  PIECE_WINDOW,
} from "./constants.ts";
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
  const count = pieceCount(list.length, list.pieceLength);
  const window = options.window ?? PIECE_WINDOW;
  const perSource = options.perSource ?? PIECE_REQUESTS_PER_SOURCE;
  const maxFailures = options.maxFailures ?? PIECE_MAX_FAILURES;
  const hedgeAfterMs = options.hedgeAfterMs ?? PIECE_HEDGE_AFTER_MS;
  let lastProgress = performance.now(); // when a piece was last handed on
  const active = new Map<number, number>(); // requests in flight per piece
  const hedged = new Set<number>();
  const mirrors = sources.filter((s) => s.peer === undefined);
  const inFlight = new Map<Source, number>(sources.map((s) => [s, 0]));
  const failures = new Map<Source, number>(sources.map((s) => [s, 0]));
  const triedFor = new Map<number, Set<Source>>(); // sources a piece already failed with
  const assigned = new Set<number>();
  const ready = new Map<number, { bytes: Uint8Array; source: Source }>();
  const checked = options.checked ?? true;
  let next = 0; // the next piece to hand on
  let failure: Error | undefined;
  // Wake-ups set a flag first, so one that comes while the loop is busy is not lost.
  let dirty = false;
  let resolver: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    resolver?.();
  };

  const usable = (source: Source, index: number) =>
    (failures.get(source) ?? 0) < maxFailures && !triedFor.get(index)?.has(source);

  /** The best source with room for this piece; "busy" if all that could are full; undefined if none can. */
  const pick = (index: number): Source | "busy" | undefined => {
    const wanted = options.assign?.(index);
    if (wanted && usable(wanted, index)) return inFlight.get(wanted)! < perSource ? wanted : "busy";
    // Peers first; a mirror only when no peer can still give this piece.
    const peers = sources.filter((s) => s.peer !== undefined && usable(s, index));
    const candidates = peers.length
      ? peers
      : sources.filter((s) => s.peer === undefined && usable(s, index));
    if (candidates.length === 0) return undefined;
    return candidates.find((s) => inFlight.get(s)! < perSource) ?? "busy";
  };

  const request = async (source: Source, index: number) => {
    const start = index * list.pieceLength;
    const end = Math.min(list.length, start + list.pieceLength) - 1;
    const started = performance.now();
    inFlight.set(source, inFlight.get(source)! + 1);
    options.onBusy?.(source, 1);
    active.set(index, (active.get(index) ?? 0) + 1);
    try {
      const response = await options.client(source).request({
        url: source.url,
        rangeFrom: start,
        rangeTo: end,
        signal,
      });
      const lagMs = performance.now() - started;
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
        totalMs: performance.now() - started,
      });
      if (index >= next && !ready.has(index)) ready.set(index, { bytes, source }); // a hedged twin may have been first
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof UpstreamError && error.failure === "mismatch")) {
        options.onReport?.(source, { kind: "failed" });
      }
      failures.set(source, failures.get(source)! + 1);
      const tried = triedFor.get(index) ?? new Set();
      tried.add(source);
      triedFor.set(index, tried);
      if (active.get(index) === 1 && !ready.has(index)) assigned.delete(index); // to be asked of someone else
    } finally {
      inFlight.set(source, inFlight.get(source)! - 1);
      options.onBusy?.(source, -1);
      active.set(index, active.get(index)! - 1);
      wake();
    }
  };

  while (next < count) {
    dirty = false;
    if (signal.aborted) throw signal.reason;
    if (failure) throw failure;
    // Hand on what is ready, in order.
    while (ready.has(next)) {
      const { bytes, source } = ready.get(next)!;
      ready.delete(next);
      await options.onPiece(next, bytes, source);
      next++;
      lastProgress = performance.now();
    }
    if (next >= count) break;
    // Ask for the pieces of the window that nobody is fetching.
    for (let index = next; index < Math.min(count, next + window); index++) {
      if (assigned.has(index) || ready.has(index)) continue;
      const source = pick(index);
      if (source === undefined) {
        failure = new UpstreamError(
          sources.at(-1)?.url ?? "",
          "status",
          `no source left for piece ${index}`,
        );
        break;
      }
      if (source === "busy") break; // every source that could is busy: wait
      assigned.add(index);
      request(source, index);
    }
    if (failure) throw failure;
    // The piece apt waits for is slow in coming (or every peer is stuck): let a mirror race for it.
    if (!ready.has(next) && !hedged.has(next) && performance.now() - lastProgress >= hedgeAfterMs) {
      const mirror = mirrors.find((m) => usable(m, next) && inFlight.get(m)! < perSource);
      if (mirror) {
        hedged.add(next);
        assigned.add(next);
        request(mirror, next);
      }
    }
    // Wake on news, or in time to check for slowness again.
    const timer = mirrors.length
      ? setTimeout(wake, Math.min(hedgeAfterMs, PIECE_HEDGE_POLL_MS))
      : undefined;
    if (!dirty) await new Promise<void>((resolve) => resolver = resolve);
    clearTimeout(timer);
    resolver = undefined;
  }
}
