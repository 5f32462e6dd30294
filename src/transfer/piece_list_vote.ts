/**
 * Choosing the piece list of a file before fetching it in pieces. Every peer
 * is asked which list it has (its SHA-1, in `x-apt-dht-pieces`); the list
 * most peers name is fetched, from the best peer naming it, and must hash to
 * that name and fit the indexed length. So one peer lying about the list is
 * outvoted by two honest ones; a list alone cannot be checked until the
 * whole file has been.
 *
 * @module
 */

import { type MirrorClient, readBounded, UpstreamError } from "../fetch/mod.ts";
import {
  decodePieceList,
  maxPieceListBytes,
  type PieceList,
  PieceListError,
  pieceListName,
} from "../hash/mod.ts";
import { peerUrl, pieceListPath } from "./peer_ref.ts";
import type { Source, SourceReport } from "./source.ts";

/** A BEP 44 item from the DHT by its key (hex SHA-1); piece lists small enough are there too. */
export type GetItem = (key: string) => Promise<Uint8Array | undefined>;

/** What the vote needs. */
export interface PieceListVote {
  /** The peers holding the file (sources with `peer` set), best first. */
  readonly peers: readonly Source[];
  readonly client: Pick<MirrorClient, "request">;
  readonly signal: AbortSignal;
  /** The file's length from the index. */
  readonly size: number;
  readonly report: (source: Source, report: SourceReport) => void;
  readonly getItem?: GetItem;
}

/** The winning list and the peers that named it (to blame should it prove wrong). */
export interface ChosenPieceList {
  readonly list: PieceList;
  readonly namedBy: readonly Source[];
}

/** Asks every peer, fetches the list most of them name; throws when none is usable. */
export async function choosePieceList(vote: PieceListVote): Promise<ChosenPieceList> {
  const { peers, client, signal, size, report } = vote;
  const named = await Promise.all(peers.map(async (source) => {
    try {
      const head = await client.request({ url: source.url, method: "HEAD", signal });
      head.cancel();
      const key = head.headers.get("x-apt-dht-pieces");
      if (head.status === 200 && key && /^[0-9a-f]{40}$/.test(key)) return { source, key };
    } catch (error) {
      if (signal.aborted) throw error;
    }
    report(source, { kind: "failed" });
    return { source, key: undefined };
  }));
  const votes = new Map<string, Source[]>(); // list key → peers naming it, best first
  for (const { source, key } of named) {
    if (key) votes.set(key, [...(votes.get(key) ?? []), source]);
  }
  const ranked = [...votes.entries()].sort((a, b) => b[1].length - a[1].length);
  for (const [key, sources] of ranked) {
    for (const source of sources) {
      try {
        const url = peerUrl(source.peer!, pieceListPath(key));
        const response = await client.request({ url, signal });
        if (response.status !== 200) {
          response.cancel();
          report(source, { kind: "failed" });
          continue;
        }
        const bytes = await readBounded(response.body, maxPieceListBytes(size), url);
        if (pieceListName(bytes) !== key) {
          throw new PieceListError("list does not hash to its name");
        }
        return { list: decodePieceList(bytes, size), namedBy: sources };
      } catch (error) {
        if (signal.aborted) throw error;
        const lied = error instanceof PieceListError ||
          (error instanceof UpstreamError && error.failure === "mismatch");
        report(source, { kind: lied ? "wrong" : "failed" });
      }
    }
  }
  // The named lists may be in the DHT itself (BEP 44 items are keyed by their SHA-1, as lists are).
  for (const [key, sources] of ranked) {
    const bytes = await vote.getItem?.(key).catch(() => undefined);
    if (!bytes) continue;
    try {
      return { list: decodePieceList(bytes, size), namedBy: sources };
    } catch {
      for (const source of sources) report(source, { kind: "wrong" });
    }
  }
  throw new UpstreamError(peers[0]?.url ?? "peers", "status", "no peer gave a usable piece list");
}
