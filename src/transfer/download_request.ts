/**
 * What a download is asked for and what it needs around it, and what its
 * first answer was.
 *
 * @module
 */

import type { CachedFile, CacheStore } from "../cache/mod.ts";
import type { MirrorClient, UpstreamResponse } from "../fetch/mod.ts";
import type { ExpectedFile } from "../hash/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { AttemptCache } from "./attempt.ts";
import type { PeerRef } from "./peer_ref.ts";
import type { PieceClient } from "./piece_fetch.ts";
import type { GetItem } from "./piece_list_vote.ts";
import type { SourceReport } from "./source.ts";

/** What the first usable upstream answer was. */
export type DownloadOutcome =
  | {
    readonly kind: "body";
    readonly size?: number;
    readonly lastModified?: string;
    readonly etag?: string;
    /** Who answered first: a peer or a mirror. */
    readonly source: "peer" | "mirror";
    /** The URL that answered ("peers" for a file in pieces from several), for the request log. */
    readonly upstream?: string;
  }
  | { readonly kind: "not-modified" }
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "failed"; readonly reason: string };

/** What to download. */
export interface DownloadRequest {
  readonly key: string;
  /** Full upstream URLs for this file, tried in order. */
  readonly upstreams: readonly string[];
  /**
   * Peers holding the file, best first, tried before the mirrors. Nothing a
   * peer sends is given out before it verified, so a lying peer costs time,
   * never a byte; only for files with a known hash.
   */
  readonly peers?: readonly PeerRef[] | Promise<readonly PeerRef[]>;
  /** The file's path at a peer (`/~/<sha256>`, `/~/signed/<key>`). */
  readonly peerPath?: string;
  readonly expected?: ExpectedFile;
  /** Whether peers may be told of the committed file (default: when a hash is expected). */
  readonly announce?: boolean;
  /**
   * Set when the file may be shared while it downloads (a trusted hash, and
   * `peers.share_downloads`): peers are told of it at once and may follow
   * it, and it takes part in deciding who of a fleet fetches from the
   * mirror (fleet_fetch.ts).
   */
  readonly fleet?: {
    /** A fresh look for peers holding the file (their whole copy or part of it). */
    readonly lookup: () => Promise<readonly PeerRef[]>;
  };
  /** Validators of the cached copy: the first upstream is asked for a 304. */
  readonly validators?: { readonly etag?: string; readonly lastModified?: string };
  /** Resumes allowed per upstream after an interrupted transfer. */
  readonly resumeAttempts: number;
  /**
   * A further check of a peer's complete file (a Release against its
   * signature), run before any of it reaches a reader.
   */
  readonly verifyPeer?: (path: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
}

/** What a download needs of the mirror client: requests, and address choice. */
export type TransferClient = Pick<MirrorClient, "request" | "addressFailed" | "hasOtherAddress">;

/** What a download needs to use peers. */
export interface DownloadPeers {
  /** Shorter timeouts than the mirror's: the mirror is there to fall back on. */
  readonly client: PieceClient;
  /** Where a small piece list can be had when no peer serves it. */
  readonly getItem?: GetItem;
  /** Told how each peer did, for its record and score. */
  readonly report: (peer: PeerRef, report: SourceReport) => void;
  /** Told when a request to a peer starts (+1) and ends (-1): its requests in flight. */
  readonly busy?: (peer: PeerRef, delta: 1 | -1) => void;
}

/** What a download needs from the rest of the daemon. */
export interface DownloadDeps {
  readonly client: TransferClient;
  readonly cache: AttemptCache & Pick<CacheStore, "recordHashFailure">;
  readonly log: Logger;
  readonly peers?: DownloadPeers;
  /** Called after a verified commit (index ingestion, the DHT announce). */
  readonly onCommitted?: (file: CachedFile) => void;
  /** The disk is full: the file goes to apt from memory and is not cached. */
  readonly onDiskFull?: (error: Error) => void;
}

/** The declared length of an identity-encoded body. */
export function lengthOf(response: UpstreamResponse): number | undefined {
  const text = response.headers.get("content-length");
  const encoded = response.headers.get("content-encoding");
  if (text === null || !/^\d+$/.test(text) || (encoded && encoded !== "identity")) return undefined;
  return Number(text);
}

/** Where a 206's range starts. */
export function rangeStart(response: UpstreamResponse): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : undefined;
}
