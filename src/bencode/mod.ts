/**
 * Bencode, the format of KRPC datagrams and piece lists: a strict decoder
 * for bytes from outside and its exact inverse.
 *
 * @module
 */
export { type BencodeDict, type BencodeValue, decodeBencode, isBencodeDict } from "./decode.ts";
export { Bencoded, type Encodable, encodeBencode } from "./encode.ts";
