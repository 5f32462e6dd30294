/**
 * A large file in checked pieces from several peers at once (and the
 * mirrors for pieces no peer gives), streamed to readers through the
 * Download as each piece matches the piece list; the whole file is then
 * verified like any other. When it fails, the list was wrong: a second
 * round asks each piece of another peer (piece_blame.ts), and the senders
 * of bad pieces are blamed once a verified copy exists (the Download keeps
 * the claims).
 *
 * @module
 */

import type { CachedFile } from "../cache/mod.ts";
import { fetchPieces, type MirrorClient, type PieceSource, UpstreamError } from "../fetch/mod.ts";
import { pieceHashAt, type PieceList } from "../hash/mod.ts";
import { choosePieceList } from "../peers/piece_list_vote.ts";
import { type PieceClaim, shiftedSenders } from "../peers/piece_blame.ts";
import type { Attempt } from "./attempt.ts";
import type { PeerReport } from "./download.ts";

/** What the rounds need of their Download. */
export interface PieceRoundsContext {
  readonly size: number;
  readonly upstreams: readonly string[];
  readonly signal: AbortSignal;
  readonly client: MirrorClient;
  readonly peerClient: MirrorClient;
  readonly getItem?: (key: string) => Promise<Uint8Array | undefined>;
  /** How a peer did (its record and score). */
  report(url: string, report: PeerReport): void;
  /** A piece that proves something only once a copy verified. */
  claim(claim: PieceClaim): void;
  newAttempt(): Promise<Attempt>;
  /** Writes a body into an attempt as readers see it (compared with what they already got). */
  pump(attempt: Attempt, body: ReadableStream<Uint8Array>, end: number, url: string): Promise<void>;
  discard(attempt: Attempt): Promise<void>;
  /** Tells waiting clients a body of `size` is coming. */
  settleBody(size: number): void;
  /** Verifies and commits; throws an UpstreamError "mismatch" when the file is wrong. */
  verifyAndCommit(attempt: Attempt, label: string): Promise<CachedFile | undefined>;
}

/** Downloads the file in pieces; the committed file, or an error for the mirror path to follow. */
export async function downloadInPieces(
  ctx: PieceRoundsContext,
  peerUrls: readonly string[],
): Promise<CachedFile | undefined> {
  // A piece that misses the list proves something only once a copy verified.
  const report = (url: string, peerReport: PeerReport) => {
    if (peerReport.kind === "wrong" && peerReport.piece) {
      ctx.claim({ sender: url, ...peerReport.piece });
    } else ctx.report(url, peerReport);
  };
  const { list, namedBy } = await choosePieceList({
    peerUrls,
    client: ctx.peerClient,
    signal: ctx.signal,
    size: ctx.size,
    report: (url, r) => ctx.report(url, r),
    getItem: ctx.getItem,
  });
  const sources: PieceSource[] = [
    ...peerUrls.map((url) => ({ url, peer: true })),
    ...ctx.upstreams.map((url) => ({ url, peer: false })),
  ];
  const first = await ctx.newAttempt();
  ctx.settleBody(list.length);
  const senders: string[] = [];
  await piecesInto(ctx, first, { list, sources, report }, senders);
  try {
    return await ctx.verifyAndCommit(first, "peers");
  } catch (error) {
    if (!(error instanceof UpstreamError && error.failure === "mismatch")) throw error;
    // Every piece matched the list, yet the file does not: the list was wrong. Blame who named it.
    for (const url of namedBy) ctx.report(url, { kind: "wrong" });
    senders.forEach((sender, index) =>
      ctx.claim({ sender, index, digest: pieceHashAt(list, index) })
    );
  }
  const shifted = shiftedSenders(senders, peerUrls);
  const byUrl = new Map(sources.map((source) => [source.url, source]));
  const second = await ctx.newAttempt();
  const secondSenders: string[] = [];
  await piecesInto(ctx, second, {
    list,
    sources,
    report,
    checked: false,
    assign: (index) => byUrl.get(shifted[index]),
  }, secondSenders);
  try {
    return await ctx.verifyAndCommit(second, "peers (second round)");
  } catch (error) {
    // The pieces this round hashed to, for the blame once the mirror's copy verifies.
    const got = second.hasher.pieceList();
    secondSenders.forEach((sender, index) => {
      if (got) ctx.claim({ sender, index, digest: pieceHashAt(got, index) });
    });
    throw error;
  }
}

/**
 * Runs a piece-wise fetch into `attempt` through the Download's pump (so a
 * second round is compared with what readers already got), noting who sent
 * each piece.
 */
async function piecesInto(
  ctx: PieceRoundsContext,
  attempt: Attempt,
  options: {
    list: PieceList;
    sources: readonly PieceSource[];
    report: (url: string, report: PeerReport) => void;
    checked?: boolean;
    assign?: (index: number) => PieceSource | undefined;
  },
  senders: string[],
): Promise<void> {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const writer = pipe.writable.getWriter();
  const fetching = fetchPieces({
    list: options.list,
    sources: options.sources,
    checked: options.checked,
    assign: options.assign,
    client: (source) => source.peer ? ctx.peerClient : ctx.client,
    signal: ctx.signal,
    onReport: (source, report) => {
      if (source.peer) options.report(source.url, report);
    },
    onPiece: (index, bytes, source) => {
      senders[index] = source.url;
      return writer.write(bytes);
    },
  }).then(() => writer.close(), async (error) => {
    await writer.abort(error).catch(() => {});
    throw error;
  });
  try {
    await Promise.all([ctx.pump(attempt, pipe.readable, options.list.length, "peers"), fetching]);
  } catch (error) {
    await ctx.discard(attempt);
    throw error;
  }
}
