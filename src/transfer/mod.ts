/**
 * The transfer engine: how one file's bytes are obtained. A shared download
 * per file (download.ts) reads sources in the order of its source plan
 * (source_plan.ts), writes each source's bytes into an attempt (attempt.ts)
 * that readers share (shared_body.ts), and fetches large files from peers
 * in checked pieces (piece_rounds.ts, piece_fetch.ts, piece_list_vote.ts,
 * piece_blame.ts). A file several daemons want at once is fetched from the
 * mirror about once: they decide who leads (fleet_role.ts) and follow each
 * other's downloads in progress (fleet_fetch.ts). Nothing here speaks HTTP
 * to apt: server/ does.
 *
 * @module
 */
export { ActiveDownloads } from "./active_downloads.ts";
export { FLEET_FIRST_LOOK, FLEET_MAX_HOLDERS, READ_CHUNK } from "./constants.ts";
export { Download, type GrowingFile } from "./download.ts";
export { formatGrowing, GROWING_HEADER } from "./fleet_role.ts";
export type { DownloadOutcome, DownloadPeers } from "./download_request.ts";
export { fileByHashPath, type PeerRef, signedReleasePath } from "./peer_ref.ts";
export type { PieceClient } from "./piece_fetch.ts";
export type { GetItem } from "./piece_list_vote.ts";
export { SourcePlan } from "./source_plan.ts";
