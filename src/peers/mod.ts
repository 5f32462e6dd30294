/**
 * Working with other apt-dht peers: announcing what this peer serves.
 *
 * @module
 */
export * from "./announcer.ts";
export * from "./peer_finder.ts";
export * from "./peer_records.ts";
export * from "./upload_limiter.ts";
export * from "./shared_matcher.ts";
export * from "./download_reports.ts";
