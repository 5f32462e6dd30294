/**
 * The KRPC wire format: bencoded dictionaries to typed messages and back.
 * Decoding checks every field it uses and throws {@link KrpcDecodeError}
 * (carrying the transaction id when one could be read, so the caller can
 * answer with a protocol error). Encoding trims a response's lists so the
 * packet never exceeds {@link MAX_PACKET_BYTES}.
 *
 * @module
 */

import {
  Bencoded,
  type BencodeDict,
  decodeBencode,
  type Encodable,
  encodeBencode,
  isBencodeDict,
} from "../../bencode/mod.ts";
import {
  ID_BYTES,
  MAX_KRPC_ITEMS,
  MAX_NODES_READ,
  MAX_PACKET_BYTES,
  MAX_VALUES_READ,
  MAX_VOTES_READ,
  MAX_WANT_READ,
  VOTE_KEY_BYTES,
  VOTE_SIG_BYTES,
} from "../constants.ts";
import {
  type Contact,
  decodeNodes,
  decodePeer,
  encodeNodes,
  encodePeer,
  type Endpoint,
} from "./compact.ts";
import {
  ErrorCode,
  type Message,
  type Query,
  type QueryMethod,
  type Response,
  type Vote,
  type Want,
} from "./messages.ts";

/** A packet that is not a message we can use. */
export class KrpcDecodeError extends Error {
  override name = "KrpcDecodeError";
  constructor(
    readonly reason: string,
    readonly tid?: Uint8Array,
    readonly code: number = ErrorCode.Protocol,
  ) {
    super(reason);
  }
}

const text = new TextDecoder();
const METHODS = new Set<QueryMethod>([
  "ping",
  "find_node",
  "get_peers",
  "announce_peer",
  "get",
  "put",
  "apt_vote",
]);
/** Our client version, sent as the top-level `v` (BEP 20 style: two letters, two bytes). */
const CLIENT_VERSION = Uint8Array.of(0x41, 0x44, 0x00, 0x01); // "AD" 0.1

/** Whether a message's `v` says apt-dht sent it (any version): it speaks our own queries. */
export function isAptDhtClient(version: Uint8Array | undefined): boolean {
  return version !== undefined && version[0] === CLIENT_VERSION[0] &&
    version[1] === CLIENT_VERSION[1];
}

type Dict = BencodeDict;
const isDict = isBencodeDict;

function bytesField(
  dict: Dict,
  key: string,
  tid: Uint8Array | undefined,
  length?: number,
): Uint8Array {
  const value = dict[key];
  if (!(value instanceof Uint8Array)) {
    throw new KrpcDecodeError(`missing or non-string "${key}"`, tid);
  }
  if (length !== undefined && value.length !== length) {
    throw new KrpcDecodeError(`"${key}" must be ${length} bytes, got ${value.length}`, tid);
  }
  return value;
}

function optionalBytes(
  dict: Dict,
  key: string,
  tid: Uint8Array | undefined,
): Uint8Array | undefined {
  return dict[key] === undefined ? undefined : bytesField(dict, key, tid);
}

function wantField(dict: Dict): Want[] | undefined {
  const want = dict.want;
  if (!Array.isArray(want)) return undefined;
  const out = new Set<Want>();
  for (const w of want.slice(0, MAX_WANT_READ)) {
    const family = w instanceof Uint8Array && w.length === 2 ? text.decode(w) : "";
    if (family === "n4" || family === "n6") out.add(family);
  }
  return out.size ? [...out] : undefined;
}

/** Decodes one UDP payload. */
export function decodeMessage(packet: Uint8Array): Message {
  let raw: unknown;
  try {
    // Strict and linear: a hostile length or nesting fails here, before any other work.
    raw = decodeBencode(packet, { maxItems: MAX_KRPC_ITEMS });
  } catch (error) {
    throw new KrpcDecodeError(`not bencode: ${(error as Error).message}`);
  }
  if (!isDict(raw)) throw new KrpcDecodeError("not a dictionary");
  const tid = raw.t instanceof Uint8Array ? raw.t : undefined;
  if (!tid) throw new KrpcDecodeError('missing transaction id "t"');
  if (tid.length > 16) throw new KrpcDecodeError("transaction id longer than 16 bytes");
  const y = raw.y instanceof Uint8Array ? text.decode(raw.y) : undefined;
  switch (y) {
    case "q":
      return decodeQuery(raw, tid);
    case "r":
    case "e":
      try {
        return y === "r" ? decodeResponse(raw, tid) : decodeError(raw, tid);
      } catch (error) {
        // Never answer a response or an error with an error: only a query expects an answer.
        throw error instanceof KrpcDecodeError ? new KrpcDecodeError(error.reason) : error;
      }
    default:
      throw new KrpcDecodeError(`unknown message type "y"`, tid);
  }
}

function decodeQuery(raw: Dict, tid: Uint8Array): Query {
  const method = raw.q instanceof Uint8Array ? text.decode(raw.q) : "";
  const args = raw.a;
  if (!isDict(args)) throw new KrpcDecodeError('missing arguments "a"', tid);
  const id = bytesField(args, "id", tid, ID_BYTES);
  const readOnly = raw.ro === 1;
  if (!METHODS.has(method as QueryMethod)) {
    throw new KrpcDecodeError(
      `method unknown: ${method.slice(0, 32)}`,
      tid,
      ErrorCode.MethodUnknown,
    );
  }
  const base = { kind: "query" as const, tid, readOnly };
  switch (method as QueryMethod) {
    case "ping":
      return { ...base, method: "ping", args: { id } };
    case "find_node":
      return {
        ...base,
        method: "find_node",
        args: { id, target: bytesField(args, "target", tid, ID_BYTES), want: wantField(args) },
      };
    case "get_peers":
      return {
        ...base,
        method: "get_peers",
        args: { id, infoHash: bytesField(args, "info_hash", tid, ID_BYTES), want: wantField(args) },
      };
    case "announce_peer": {
      const port = args.port;
      const impliedPort = args.implied_port === 1;
      if (
        !impliedPort &&
        (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
      ) {
        throw new KrpcDecodeError('"port" must be an integer from 1 to 65535', tid);
      }
      return {
        ...base,
        method: "announce_peer",
        args: {
          id,
          infoHash: bytesField(args, "info_hash", tid, ID_BYTES),
          port: typeof port === "number" ? port : 0,
          token: bytesField(args, "token", tid),
          impliedPort,
        },
      };
    }
    case "get":
      return {
        ...base,
        method: "get",
        args: { id, target: bytesField(args, "target", tid, ID_BYTES), want: wantField(args) },
      };
    case "put": {
      if (args.v === undefined) throw new KrpcDecodeError('missing value "v"', tid);
      if (args.k !== undefined || args.sig !== undefined) {
        throw new KrpcDecodeError("mutable items are not supported", tid, ErrorCode.MethodUnknown);
      }
      return {
        ...base,
        method: "put",
        // Canonical on the wire (the decoder takes nothing else), so this is `v`'s exact bytes.
        args: { id, value: encodeBencode(args.v), token: bytesField(args, "token", tid) },
      };
    }
    case "apt_vote":
      return {
        ...base,
        method: "apt_vote",
        args: {
          id,
          target: bytesField(args, "target", tid, ID_BYTES),
          vote: decodeVote(args.vote, tid),
          token: bytesField(args, "token", tid),
        },
      };
  }
}

/** A vote's fields, each checked for its type and length (the signature is checked later). */
function decodeVote(raw: unknown, tid: Uint8Array | undefined): Vote {
  if (!isDict(raw)) throw new KrpcDecodeError('"vote" must be a dictionary', tid);
  const at = raw.t;
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at < 0) {
    throw new KrpcDecodeError('vote "t" must be a time in seconds', tid);
  }
  const peer = decodePeer(bytesField(raw, "p", tid));
  if (!peer) throw new KrpcDecodeError('vote "p" must be a compact address and port', tid);
  return {
    accused: bytesField(raw, "a", tid, ID_BYTES),
    peer,
    at,
    key: bytesField(raw, "k", tid, VOTE_KEY_BYTES),
    sig: bytesField(raw, "s", tid, VOTE_SIG_BYTES),
  };
}

/** A vote as it goes on the wire; without `sig`, the part that is signed. */
export function encodeVote(
  vote: Omit<Vote, "sig"> & { sig?: Uint8Array },
): Record<string, Encodable> {
  const out: Record<string, Encodable> = {
    a: vote.accused,
    k: vote.key,
    p: encodePeer(vote.peer) ?? new Uint8Array(),
    t: vote.at,
  };
  if (vote.sig) out.s = vote.sig;
  return out;
}

function decodeContacts(
  dict: Dict,
  key: "nodes" | "nodes6",
  tid: Uint8Array,
): Contact[] | undefined {
  const value = optionalBytes(dict, key, tid);
  if (!value) return undefined;
  try {
    return decodeNodes(value, key === "nodes" ? 4 : 6, MAX_NODES_READ);
  } catch (error) {
    throw new KrpcDecodeError(`bad "${key}": ${(error as Error).message}`, tid);
  }
}

function decodeResponse(raw: Dict, tid: Uint8Array): Response {
  const r = raw.r;
  if (!isDict(r)) throw new KrpcDecodeError('missing response body "r"', tid);
  const body: Response["body"] = { id: bytesField(r, "id", tid, ID_BYTES) };
  const nodes = decodeContacts(r, "nodes", tid);
  const nodes6 = decodeContacts(r, "nodes6", tid);
  if (nodes) body.nodes = nodes;
  if (nodes6) body.nodes6 = nodes6;
  if (r.values !== undefined) {
    if (!Array.isArray(r.values)) throw new KrpcDecodeError('"values" must be a list', tid);
    body.values = r.values.slice(0, MAX_VALUES_READ).flatMap((v) => {
      const peer = v instanceof Uint8Array ? decodePeer(v) : undefined;
      return peer ? [peer] : [];
    });
  }
  const token = optionalBytes(r, "token", tid);
  if (token) body.token = token;
  if (r.v !== undefined) body.value = encodeBencode(r.v);
  if (Array.isArray(r.votes)) {
    // A malformed vote is dropped, not the answer: the others may be good.
    body.votes = r.votes.slice(0, MAX_VOTES_READ).flatMap((v) => {
      try {
        return [decodeVote(v, tid)];
      } catch {
        return [];
      }
    });
  }
  const response: Response = { kind: "response", tid, body };
  const ip = raw.ip instanceof Uint8Array ? decodePeer(raw.ip) : undefined;
  if (ip) response.ip = ip;
  if (raw.v instanceof Uint8Array && raw.v.length <= 16) response.client = raw.v;
  return response;
}

function decodeError(raw: Dict, tid: Uint8Array): Message {
  const e = raw.e;
  if (!Array.isArray(e) || typeof e[0] !== "number") {
    throw new KrpcDecodeError('malformed error "e"', tid);
  }
  return {
    kind: "error",
    tid,
    code: e[0],
    message: e[1] instanceof Uint8Array ? text.decode(e[1].subarray(0, 200)) : "",
  };
}

/** Encodes a message as it goes on the wire (without trimming). */
export function encodeMessage(message: Message): Uint8Array {
  const out: Record<string, Encodable> = { t: message.tid, v: CLIENT_VERSION };
  switch (message.kind) {
    case "query": {
      out.y = "q";
      out.q = message.method;
      out.a = queryArgs(message);
      if (message.readOnly) out.ro = 1;
      break;
    }
    case "response": {
      out.y = "r";
      const r: Record<string, Encodable> = { id: message.body.id };
      if (message.body.nodes) r.nodes = encodeNodes(message.body.nodes, 4);
      if (message.body.nodes6) r.nodes6 = encodeNodes(message.body.nodes6, 6);
      if (message.body.values) r.values = message.body.values.flatMap((p) => encodePeer(p) ?? []);
      if (message.body.token) r.token = message.body.token;
      if (message.body.value) r.v = new Bencoded(message.body.value);
      if (message.body.votes) r.votes = message.body.votes.map(encodeVote);
      out.r = r;
      if (message.ip) {
        const ip = encodePeer(message.ip);
        if (ip) out.ip = ip;
      }
      break;
    }
    case "error":
      out.y = "e";
      out.e = [message.code, message.message];
      break;
  }
  return encodeBencode(out);
}

function queryArgs(query: Query): Record<string, Encodable> {
  switch (query.method) {
    case "ping":
      return { id: query.args.id };
    case "find_node":
      return {
        id: query.args.id,
        target: query.args.target,
        ...(query.args.want ? { want: query.args.want } : {}),
      };
    case "get_peers":
      return {
        id: query.args.id,
        info_hash: query.args.infoHash,
        ...(query.args.want ? { want: query.args.want } : {}),
      };
    case "announce_peer":
      return {
        id: query.args.id,
        info_hash: query.args.infoHash,
        port: query.args.port,
        token: query.args.token,
        implied_port: query.args.impliedPort ? 1 : 0,
      };
    case "get":
      return { id: query.args.id, target: query.args.target };
    case "put":
      return { id: query.args.id, v: new Bencoded(query.args.value), token: query.args.token };
    case "apt_vote":
      return {
        id: query.args.id,
        target: query.args.target,
        vote: encodeVote(query.args.vote),
        token: query.args.token,
      };
  }
}

/**
 * Encodes a message so it fits `limit` bytes: a response drops IPv6 nodes,
 * then IPv4 nodes, then peers from `values`, until it fits. Throws if even
 * the bare message is too large (which no message we build ever is).
 */
export function encodeWithin(message: Message, limit = MAX_PACKET_BYTES): Uint8Array {
  let packet = encodeMessage(message);
  if (packet.length <= limit || message.kind !== "response") {
    if (packet.length > limit) {
      throw new RangeError(`${message.kind} of ${packet.length} bytes exceeds ${limit}`);
    }
    return packet;
  }
  const body = { ...message.body };
  const trimmed: Response = { ...message, body };
  // Peers are what a get_peers querier wants: nodes go first. A compact peer costs 8 or 20
  // bytes on the wire, a node 26 or 38 (IPv4/IPv6 with the string's length prefix amortized).
  while (packet.length > limit) {
    const excess = packet.length - limit;
    if (body.nodes6?.length) {
      body.nodes6 = body.nodes6.slice(0, Math.max(0, body.nodes6.length - Math.ceil(excess / 38)));
    } else if (body.nodes?.length) {
      body.nodes = body.nodes.slice(0, Math.max(0, body.nodes.length - Math.ceil(excess / 26)));
    } else if (body.values?.length) {
      body.values = body.values.slice(0, Math.max(0, body.values.length - Math.ceil(excess / 20)));
    } else if (body.votes?.length) {
      body.votes = body.votes.slice(0, Math.max(0, body.votes.length - Math.ceil(excess / 180)));
    } else throw new RangeError(`response of ${packet.length} bytes cannot be trimmed to ${limit}`);
    packet = encodeMessage(trimmed);
  }
  return packet;
}

/** The KRPC error for a packet that could not be decoded, when it had a transaction id to answer. */
export function errorFor(error: KrpcDecodeError): Uint8Array | undefined {
  if (!error.tid) return undefined;
  return encodeMessage({
    kind: "error",
    tid: error.tid,
    code: error.code,
    message: error.reason.slice(0, 100),
  });
}

export type { Endpoint };
