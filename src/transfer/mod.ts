/**
 * The transfer engine: how one file's bytes are obtained. A shared download
 * per file (download.ts) reads sources in the order of its source plan
 * (source_plan.ts), writes each source's bytes into an attempt (attempt.ts)
 * that readers share (shared_body.ts), and fetches large files from peers
 * in checked pieces (piece_rounds.ts, piece_fetch.ts, piece_list_vote.ts,
 * piece_blame.ts). Nothing here speaks HTTP to apt: server/ does.
 *
 * @module
 */
export * from "./active_downloads.ts";
export * from "./download.ts";
export * from "./download_request.ts";
export * from "./peer_ref.ts";
export * from "./source.ts";
export * from "./source_plan.ts";
export * from "./piece_fetch.ts";
export * from "./piece_blame.ts";
export * from "./piece_list_vote.ts";
export { HeldBytes, isDiskFull } from "./held_bytes.ts";
