/**
 * The archive's formats: deb822 paragraphs, Release/InRelease, Packages and
 * Sources, compressed indexes, and the {@link ArchiveIndex} that maps every
 * archive URL to its expected size and hashes.
 *
 * @module
 */
export * from "./deb822.ts";
export * from "./release.ts";
export * from "./packages.ts";
export * from "./compression.ts";
export * from "./index_files.ts";
export * from "./index_kinds.ts";
export * from "./archive_index.ts";
