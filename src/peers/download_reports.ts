/**
 * What the download engine tells about peers, written into their records:
 * a delivery (bytes, lag, time) raises a peer's score, wrong bytes blame it,
 * a failure counts against it, and requests in flight rank a busy peer
 * lower. The engine knows peers only as addresses (`PeerRef`); the records
 * are this folder's.
 *
 * @module
 */

import type { DownloadPeers, GetItem, PieceClient } from "../transfer/mod.ts";
import type { PeerRecords } from "./peer_records.ts";

/** The downloads' view of peers, reporting into `records`. */
export function recordedDownloadPeers(
  records: PeerRecords,
  client: PieceClient,
  getItem?: GetItem,
  /** Told of a peer proven to have sent wrong data (it votes against it in the DHT). */
  accuse?: (peer: { address: string; port: number }) => void,
): DownloadPeers {
  return {
    client,
    getItem,
    busy: (peer, delta) => records.busy(records.get(peer.address, peer.port), delta),
    report: (peer, report) => {
      const record = records.get(peer.address, peer.port);
      if (report.kind === "delivered") {
        records.delivered(record, report.bytes, report.lagMs, report.totalMs);
      } else if (report.kind === "wrong") {
        records.blame(record);
        accuse?.(peer);
      } else records.failed(record);
    },
  };
}
