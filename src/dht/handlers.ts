/**
 * One small handler per KRPC query, behind a dispatcher. Handlers only read
 * and write the node's state; the transaction layer does the wire.
 *
 * @module
 */

import { sha1 } from "../hash/mod.ts";
import {
  MAX_ITEM_VALUE_BYTES,
  MAX_NODES_IN_REPLY,
  VALUES_PER_REPLY,
  VOTES_PER_REPLY,
} from "./constants.ts";
import { type Contact, type Endpoint, familyOf } from "./krpc/compact.ts";
import {
  ErrorCode,
  type Query,
  type QueryArgs,
  type ResponseBody,
  type Want,
} from "./krpc/messages.ts";
import type { NodeId } from "./node_id.ts";
import type { RoutingTable } from "./routing_table.ts";
import type { HandlerResult, QueryHandler } from "./rpc.ts";
import type { ItemStore, PeerStore } from "./storage.ts";
import type { TokenManager } from "./tokens.ts";
import type { VoteStore } from "./vote_store.ts";

/** What the handlers read and write. */
export interface HandlerContext {
  ownId(): NodeId;
  readonly table: RoutingTable;
  readonly tokens: TokenManager;
  readonly peers: PeerStore;
  readonly items: ItemStore;
  readonly votes: VoteStore;
  /** Ourselves as a peer for `infoHash`, when we announced it and know our address. */
  ownPeer?(infoHash: NodeId): Endpoint | undefined;
  /** A node sent us a query (it may be refreshed in the table). */
  onQueried(id: NodeId, from: Endpoint, readOnly: boolean): void;
}

/** BEP 44 error: the value is too big. */
const ERROR_VALUE_TOO_BIG = 205;
/** BEP 44 error: the signature does not verify. */
const ERROR_BAD_SIGNATURE = 206;

function nodesFor(
  context: HandlerContext,
  target: NodeId,
  from: Endpoint,
  want: Want[] | undefined,
): Partial<ResponseBody> {
  const families = want ?? [familyOf(from.address) === 4 ? "n4" : "n6"];
  const closest = context.table.closest(target, MAX_NODES_IN_REPLY * 2);
  const pick = (family: 4 | 6): Contact[] =>
    closest.filter((c) => familyOf(c.address) === family).slice(0, MAX_NODES_IN_REPLY)
      .map(({ id, address, port }) => ({ id, address, port }));
  const out: Partial<ResponseBody> = {};
  if (families.includes("n4")) out.nodes = pick(4);
  if (families.includes("n6")) out.nodes6 = pick(6);
  return out;
}

type Handlers = {
  [M in Query["method"]]: (
    args: QueryArgs[M],
    from: Endpoint,
    context: HandlerContext,
  ) => HandlerResult;
};

const HANDLERS: Handlers = {
  ping: (_args, _from, context) => ({ id: context.ownId() }),

  find_node: (args, from, context) => ({
    id: context.ownId(),
    ...nodesFor(context, args.target, from, args.want),
  }),

  get_peers: (args, from, context) => {
    // The announcer is a peer too: in a network of two, nobody else can name it.
    const own = context.ownPeer?.(args.infoHash);
    const values = [
      ...(own ? [own] : []),
      ...context.peers.get(args.infoHash, VALUES_PER_REPLY - (own ? 1 : 0)),
    ];
    return {
      id: context.ownId(),
      token: context.tokens.issue(from.address),
      ...(values.length ? { values } : {}),
      ...nodesFor(context, args.infoHash, from, args.want),
    };
  },

  announce_peer: (args, from, context) => {
    if (!context.tokens.check(from.address, args.token)) {
      return { error: ErrorCode.Protocol, message: "bad token" };
    }
    const port = args.impliedPort ? from.port : args.port;
    if (!context.peers.add(args.infoHash, { address: from.address, port }, from.address)) {
      return { error: ErrorCode.Server, message: "storage limit" };
    }
    return { id: context.ownId() };
  },

  get: (args, from, context) => {
    const value = context.items.get(args.target);
    // Votes stored under the target go with the answer: a reader needs no second round.
    const votes = context.votes.get(args.target, VOTES_PER_REPLY);
    return {
      id: context.ownId(),
      token: context.tokens.issue(from.address),
      ...(value ? { value } : {}),
      ...(votes.length ? { votes } : {}),
      ...nodesFor(context, args.target, from, args.want),
    };
  },

  put: (args, from, context) => {
    if (!context.tokens.check(from.address, args.token)) {
      return { error: ErrorCode.Protocol, message: "bad token" };
    }
    if (args.value.length > MAX_ITEM_VALUE_BYTES) {
      return { error: ERROR_VALUE_TOO_BIG, message: "value too big" };
    }
    const key = sha1(args.value);
    if (!context.items.put(key, args.value, from.address)) {
      return { error: ErrorCode.Server, message: "storage limit" };
    }
    return { id: context.ownId() };
  },

  apt_vote: (args, from, context) => {
    if (!context.tokens.check(from.address, args.token)) {
      return { error: ErrorCode.Protocol, message: "bad token" };
    }
    const refused = context.votes.offer(args.target, args.vote, from.address);
    if (refused === "bad signature") return { error: ERROR_BAD_SIGNATURE, message: refused };
    if (refused === "storage limit" || refused === "busy") {
      return { error: ErrorCode.Server, message: refused };
    }
    if (refused) return { error: ErrorCode.Protocol, message: refused };
    return { id: context.ownId() };
  },
};

/** The dispatcher: every query goes to its method's handler. */
export function createQueryHandler(context: HandlerContext): QueryHandler {
  return (query, from) => {
    context.onQueried(query.args.id, from, query.readOnly ?? false);
    const handler = HANDLERS[query.method] as (
      args: unknown,
      from: Endpoint,
      context: HandlerContext,
    ) => HandlerResult;
    return handler(query.args, from, context);
  };
}
