/**
 * Working with other apt-dht peers: announcing what this peer serves.
 *
 * @module
 */
export { Announcer } from "./announcer.ts";
export { recordedDownloadPeers } from "./download_reports.ts";
export { PeerFinder, type PeerLookup } from "./peer_finder.ts";
export { PeerRecords } from "./peer_records.ts";
export { PeerReputation } from "./reputation.ts";
export { loadVoterKey, type VoteSigner } from "./voter_key.ts";
export { SharedMatcher } from "./shared_matcher.ts";
export { UploadLimiter } from "./upload_limiter.ts";
