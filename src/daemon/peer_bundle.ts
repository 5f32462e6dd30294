/**
 * Everything the pipeline needs to take files from peers, built in one
 * place; absent when the DHT is disabled (then the mirror is the only source).
 *
 * @module
 */

import type { MirrorClient } from "../fetch/mod.ts";
import { type PeerRecords, recordedDownloadPeers } from "../peers/mod.ts";
import type { PipelinePeers } from "../server/mod.ts";
import type { TrustedKeys } from "../trust/mod.ts";
import type { DaemonEvents, Emitter } from "./events.ts";
import type { PeerSide } from "./peer_side.ts";

/** The pipeline's peers; `side` is absent when the DHT is disabled. */
export function peerBundle(
  side: PeerSide | undefined,
  client: MirrorClient,
  records: PeerRecords,
  keys: TrustedKeys,
  share: { readonly downloads: boolean; readonly events: Emitter<DaemonEvents> },
): PipelinePeers | undefined {
  if (!side) return undefined;
  return {
    finder: side.finder,
    records,
    downloads: recordedDownloadPeers(
      records,
      client,
      (key) => side.getItem(key),
      (peer) => void side.reputation.accuse(peer),
    ),
    reputation: side.reputation,
    releaseKeys: () => keys.keys(),
    shareDownloads: share.downloads,
    onSharing: (key, sha256, done) => void share.events.emit("sharing", { key, sha256, done }),
  };
}
