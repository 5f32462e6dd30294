/**
 * The archive's formats: deb822 paragraphs, Release/InRelease, Packages and
 * Sources, compressed indexes, and the {@link ArchiveIndex} that maps every
 * archive URL to its expected size and hashes.
 *
 * @module
 */
export { ArchiveIndex, type IndexEntry } from "./archive_index.ts";
export { decompress } from "./compression.ts";
export { parseRelease } from "./release.ts";
export { releaseOfListing } from "./security_listings.ts";
export { parseDeb822 } from "./deb822.ts";
export { compressionOf, isImmutable } from "./index_files.ts";
export { indexKindSpec } from "./index_kinds.ts";
export { ListingWorker, useListingWorkerModule } from "./ingest/listing_worker.ts";
export { LISTING_MAX_DEFER_MS, LISTING_QUIET_MS } from "./constants.ts";
export { isListingWorker } from "./ingest/worker.ts";
export type { DiffChange } from "./ingest/context.ts";
export type { ReleaseTrustRecord } from "./release_trust.ts";
