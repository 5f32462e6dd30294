/**
 * Streaming hashers (SHA-256, SHA-1, MD5) and verification of content
 * against what the archive's signed indexes promise.
 *
 * @module
 */
export * from "./digest.ts";
export * from "./pieces.ts";
export * from "./sha1.ts";
export * from "./signature.ts";
