/**
 * Everything the pipeline needs to take files from peers, built in one
 * place: the pipeline's constructor is to take this as one optional bundle.
 *
 * @module
 */

import type { MirrorClient } from "../fetch/mod.ts";
import type { PeerFinder, PeerRecords } from "../peers/mod.ts";
import type { PeerSide } from "./peer_side.ts";

/** The peer part of the pipeline's dependencies. */
export interface PeerBundle {
  /** Finds peers for files with a known hash (absent without a DHT). */
  readonly peers?: PeerFinder;
  /** The client for peers (short timeouts). */
  readonly peerClient: MirrorClient;
  /** Peers' records: how they are ranked, and where their results go. */
  readonly peerRecords: PeerRecords;
  /** A BEP 44 item from the DHT by its key (hex SHA-1); undefined without a DHT. */
  readonly getItem: (key: string) => Promise<Uint8Array | undefined>;
}

/** The bundle for the pipeline; `side` is absent when the DHT is disabled. */
export function peerBundle(
  side: PeerSide | undefined,
  peerClient: MirrorClient,
  peerRecords: PeerRecords,
): PeerBundle {
  return {
    peers: side?.finder,
    peerClient,
    peerRecords,
    getItem: async (key) => side ? await side.getItem(key) : undefined,
  };
}
