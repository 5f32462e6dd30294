/**
 * KRPC messages (BEP 5, BEP 32, BEP 42, BEP 44) as typed values. The codec
 * turns bytes into these and back; nothing else touches the wire format.
 *
 * @module
 */

import type { NodeId } from "../node_id.ts";
import type { Contact, Endpoint } from "./compact.ts";

/** Standard KRPC error codes. */
export const ErrorCode = {
  Generic: 201,
  Server: 202,
  Protocol: 203,
  MethodUnknown: 204,
} as const;

/** Address families a querier wants nodes for (BEP 32 `want`). */
export type Want = "n4" | "n6";

/**
 * The query methods we speak. `apt_vote` is apt-dht's own (peer
 * reputation): nodes that speak only mainline answer it with 204, and
 * apt-dht then leaves those nodes out. Votes are read with `get`.
 */
export type QueryMethod =
  | "ping"
  | "find_node"
  | "get_peers"
  | "announce_peer"
  | "get"
  | "put"
  | "apt_vote";

/**
 * A signed bad vote: a daemon proved that the peer with node id `accused`
 * (reached at `peer`) sent it wrong data at `at`. Stored under NOT(accused),
 * where the accused can never be among the closest nodes. `key` is the
 * voter's Ed25519 public key, `sig` its signature (vote.ts says over what).
 */
export interface Vote {
  readonly accused: NodeId;
  readonly peer: Endpoint;
  /** When the wrong data came (seconds since the epoch). */
  readonly at: number;
  readonly key: Uint8Array;
  readonly sig: Uint8Array;
}

/** Arguments of each query method. */
export interface QueryArgs {
  ping: { id: NodeId };
  find_node: { id: NodeId; target: NodeId; want?: Want[] };
  get_peers: { id: NodeId; infoHash: NodeId; want?: Want[] };
  announce_peer: {
    id: NodeId;
    infoHash: NodeId;
    port: number;
    token: Uint8Array;
    impliedPort: boolean;
  };
  get: { id: NodeId; target: NodeId; want?: Want[] };
  /** BEP 44 immutable put: `value` is the bencoded `v`, exactly as it hashes. */
  put: { id: NodeId; value: Uint8Array; token: Uint8Array };
  /** Store a vote under `target` (NOT the accused's id). */
  apt_vote: { id: NodeId; target: NodeId; vote: Vote; token: Uint8Array };
}

/** A query, typed by its method. */
export type Query = {
  [M in QueryMethod]: {
    kind: "query";
    tid: Uint8Array;
    method: M;
    args: QueryArgs[M];
    readOnly?: boolean;
  };
}[QueryMethod];

/** The body of a response; which fields are present depends on the query. */
export interface ResponseBody {
  id: NodeId;
  nodes?: Contact[];
  nodes6?: Contact[];
  values?: Endpoint[];
  token?: Uint8Array;
  /** BEP 44 `v`, bencoded. */
  value?: Uint8Array;
  /** Votes stored under a `get` target (not yet checked: the reader verifies each). */
  votes?: Vote[];
}

/** A response. `ip` is the requester's address as the responder saw it (BEP 42). */
export interface Response {
  kind: "response";
  tid: Uint8Array;
  body: ResponseBody;
  ip?: Endpoint;
  /** The responder's client and version (the top-level `v`), when it sent one. */
  client?: Uint8Array;
}

/** An error reply. */
export interface ErrorReply {
  kind: "error";
  tid: Uint8Array;
  code: number;
  message: string;
}

/** Any KRPC message. */
export type Message = Query | Response | ErrorReply;
