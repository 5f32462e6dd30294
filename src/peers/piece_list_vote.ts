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

import { UpstreamError } from "../fetch/errors.ts";
import type { MirrorClient } from "../fetch/mirror_client.ts";
import type { PieceSourceReport } from "../fetch/piece_fetch.ts";
import { decodePieceList, type PieceList, PieceListError, pieceListName } from "../hash/mod.ts";

/** What the vote needs. */
export interface PieceListVote {
  /** `http://<peer>/~/<sha256>`, best first. */
  readonly peerUrls: readonly string[];
  readonly client: MirrorClient;
  readonly signal: AbortSignal;
  /** The file's length from the index. */
  readonly size: number;
  readonly report: (url: string, report: PieceSourceReport) => void;
  /** A BEP 44 item by key: lists up to 1000 bytes are also in the DHT. */
  readonly getItem?: (key: string) => Promise<Uint8Array | undefined>;
}

/** The winning list and the peers that named it (to blame should it prove wrong). */
export interface ChosenPieceList {
  readonly list: PieceList;
  readonly namedBy: readonly string[];
}

/** Asks every peer, fetches the list most of them name; throws when none is usable. */
export async function choosePieceList(vote: PieceListVote): Promise<ChosenPieceList> {
  const { peerUrls, client, signal, size, report } = vote;
  const named = await Promise.all(peerUrls.map(async (url) => {
    try {
      const head = await client.request({ url, method: "HEAD", signal });
      head.cancel();
      const key = head.headers.get("x-apt-dht-pieces");
      if (head.status === 200 && key && /^[0-9a-f]{40}$/.test(key)) return { url, key };
    } catch (error) {
      if (signal.aborted) throw error;
    }
    report(url, { kind: "failed" });
    return { url, key: undefined };
  }));
  const votes = new Map<string, string[]>(); // list key → peers naming it, best first
  for (const { url, key } of named) if (key) votes.set(key, [...(votes.get(key) ?? []), url]);
  const ranked = [...votes.entries()].sort((a, b) => b[1].length - a[1].length);
  for (const [key, urls] of ranked) {
    for (const url of urls) {
      try {
        const response = await client.request({ url: url.replace(/[0-9a-f]{64}$/, key), signal });
        if (response.status !== 200) {
          response.cancel();
          report(url, { kind: "failed" });
          continue;
        }
        const bytes = new Uint8Array(await new Response(response.body).arrayBuffer());
        if (pieceListName(bytes) !== key) {
          throw new PieceListError("list does not hash to its name");
        }
        return { list: decodePieceList(bytes, size), namedBy: urls };
      } catch (error) {
        if (signal.aborted) throw error;
        report(url, { kind: error instanceof PieceListError ? "wrong" : "failed" });
      }
    }
  }
  // The named lists may be in the DHT itself (BEP 44 items are keyed by their SHA-1, as lists are).
  for (const [key, urls] of ranked) {
    const bytes = await vote.getItem?.(key).catch(() => undefined);
    if (!bytes) continue;
    try {
      return { list: decodePieceList(bytes, size), namedBy: urls };
    } catch {
      for (const url of urls) report(url, { kind: "wrong" });
    }
  }
  throw new UpstreamError(peerUrls[0] ?? "peers", "status", "no peer gave a usable piece list");
}
