/**
 * Streaming hashers (SHA-256, SHA-1, MD5) and verification of content
 * against what the archive's signed indexes promise.
 *
 * @module
 */
export {
  ContentHasher,
  type ExpectedFile,
  HASH_ALGORITHMS,
  hasHash,
  newHasher,
  sha256OfStream,
} from "./digest.ts";
export {
  decodePieceList,
  encodePieceList,
  maxPieceListBytes,
  PIECE_BYTES,
  PIECE_HASH_BYTES,
  pieceCount,
  pieceDigest,
  pieceHashAt,
  type PieceList,
  PieceListError,
  pieceListName,
} from "./pieces.ts";
export { sha1 } from "./sha1.ts";
export { signatureDhtKey, SignatureHasher } from "./signature.ts";
