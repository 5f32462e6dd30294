/**
 * A large file in checked pieces from several peers at once (and the
 * mirrors for pieces no peer gives), streamed to readers as each piece
 * matches the piece list when independent peers named that list, held back
 * until the whole file verified when not; the whole file is then verified
 * like any other.
 * When it fails, the list was wrong: a second round asks each piece of
 * another peer (piece_blame.ts), and the senders of bad pieces are blamed
 * once a verified copy exists (the claims outlive the rounds for that).
 *
 * @module
 */

import type { CachedFile } from "../cache/mod.ts";
import { UpstreamError } from "../fetch/mod.ts";
import { pieceHashAt, type PieceList } from "../hash/mod.ts";
import { independentParties } from "../net/mod.ts";
import type { Attempt } from "./attempt.ts";
import { PIECE_LIST_CONFIRMATIONS } from "./constants.ts";
import { fetchPieces, type PieceClient } from "./piece_fetch.ts";
import { type PieceClaims, shiftedSenders } from "./piece_blame.ts";
import { choosePieceList, type GetItem } from "./piece_list_vote.ts";
import type { Source, SourceReport } from "./source.ts";
import type { SourcePlan } from "./source_plan.ts";

/** Where a round's bytes go: attempts that the download's readers see. */
export interface AttemptSink {
  /**
   * A new attempt; readers pause until it has caught up with what they were
   * given. With `holdAll`, they get none of its bytes until it verified whole.
   */
  begin(holdAll: boolean): Promise<Attempt>;
  /** Writes a body into the attempt, compared with what readers already got. */
  fill(
    attempt: Attempt,
    body: ReadableStream<Uint8Array>,
    end: number,
    label: string,
  ): Promise<void>;
  drop(attempt: Attempt): Promise<void>;
  /** Verifies and commits; throws an UpstreamError "mismatch" when the file is wrong. */
  commit(attempt: Attempt, label: string): Promise<CachedFile | undefined>;
}

/** What the rounds need. */
export interface PieceRounds {
  readonly size: number;
  readonly plan: SourcePlan;
  readonly signal: AbortSignal;
  readonly clientFor: (source: Source) => PieceClient;
  readonly getItem?: GetItem;
  readonly sink: AttemptSink;
  /** Pieces that prove something only once a copy verified. */
  readonly claims: PieceClaims<Source>;
  /** How a source did (its record and score). */
  readonly report: (source: Source, report: SourceReport) => void;
  /** Tells waiting clients a body of `size` is coming. */
  readonly announceBody: (size: number) => void;
  /** A request to a source started (+1) or ended (-1). */
  readonly busy?: (source: Source, delta: 1 | -1) => void;
  /** Told how far the chosen list is confirmed (for the log). */
  readonly onListChosen?: (
    choice: { namedBy: number; parties: number; confirmed: boolean },
  ) => void;
}

/** Downloads the file in pieces; the committed file, or an error for the mirror path to follow. */
export async function downloadInPieces(rounds: PieceRounds): Promise<CachedFile | undefined> {
  const { plan, sink, claims } = rounds;
  // A piece that misses the list proves something only once a copy verified.
  const report = (source: Source, sourceReport: SourceReport) => {
    if (sourceReport.kind === "wrong" && sourceReport.piece) {
      claims.add({ sender: source, ...sourceReport.piece });
    } else rounds.report(source, sourceReport);
  };
  const { list, namedBy } = await choosePieceList({
    peers: plan.peers,
    client: rounds.clientFor(plan.peers[0]),
    signal: rounds.signal,
    size: rounds.size,
    report: rounds.report,
    getItem: rounds.getItem,
  });
  // A list is only as good as whoever named it: its pieces reach readers as they match it only
  // when independent parties (distinct /24 or /48 networks) named it; else the whole file first.
  const parties = independentParties(namedBy.flatMap((s) => s.peer ? [s.peer.address] : []));
  const confirmed = parties >= PIECE_LIST_CONFIRMATIONS;
  rounds.onListChosen?.({ namedBy: namedBy.length, parties, confirmed });
  const first = await sink.begin(!confirmed);
  rounds.announceBody(list.length);
  const senders: Source[] = [];
  await piecesInto(rounds, first, { list, report }, senders);
  try {
    return await sink.commit(first, "peers");
  } catch (error) {
    if (!(error instanceof UpstreamError && error.failure === "mismatch")) throw error;
    // Every piece matched the list, yet the file does not: the list was wrong. Blame who named it.
    for (const source of namedBy) rounds.report(source, { kind: "wrong" });
    senders.forEach((sender, index) =>
      claims.add({ sender, index, digest: pieceHashAt(list, index) })
    );
  }
  const shifted = shiftedSenders(senders, plan.peers);
  const second = await sink.begin(true); // unchecked pieces: nothing until the whole verifies
  const secondSenders: Source[] = [];
  await piecesInto(rounds, second, {
    list,
    report,
    checked: false,
    assign: (index) => shifted[index],
  }, secondSenders);
  try {
    return await sink.commit(second, "peers (second round)");
  } catch (error) {
    // The pieces this round hashed to, for the blame once the mirror's copy verifies.
    const got = second.pieceList();
    secondSenders.forEach((sender, index) => {
      if (got) claims.add({ sender, index, digest: pieceHashAt(got, index) });
    });
    throw error;
  }
}

/** Runs a piece-wise fetch into `attempt` through the sink, noting who sent each piece. */
async function piecesInto(
  rounds: PieceRounds,
  attempt: Attempt,
  options: {
    list: PieceList;
    report: (source: Source, report: SourceReport) => void;
    checked?: boolean;
    assign?: (index: number) => Source | undefined;
  },
  senders: Source[],
): Promise<void> {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const writer = pipe.writable.getWriter();
  const fetching = fetchPieces({
    list: options.list,
    sources: rounds.plan.pieceSources,
    checked: options.checked,
    assign: options.assign,
    client: rounds.clientFor,
    signal: rounds.signal,
    onBusy: rounds.busy,
    onReport: (source, report) => {
      if (source.peer) options.report(source, report);
    },
    onPiece: (index, bytes, source) => {
      senders[index] = source;
      return writer.write(bytes);
    },
  }).then(() => writer.close(), async (error) => {
    await writer.abort(error).catch(() => {});
    throw error;
  });
  try {
    await Promise.all([
      rounds.sink.fill(attempt, pipe.readable, options.list.length, "peers"),
      fetching,
    ]);
  } catch (error) {
    await rounds.sink.drop(attempt);
    throw error;
  }
}
