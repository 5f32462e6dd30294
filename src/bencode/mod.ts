/**
 * Bencode, the format of KRPC datagrams and piece lists: a strict decoder
 * for bytes from outside and its exact inverse.
 *
 * @module
 */
export {
  type BencodeDict,
  BencodeError,
  type BencodeValue,
  decodeBencode,
  type DecodeLimits,
  isBencodeDict,
} from "./decode.ts";
export { Bencoded, type Encodable, encodeBencode } from "./encode.ts";
