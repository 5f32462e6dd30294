/**
 * The lookups a node runs, as variants of the one engine in lookup.ts:
 * what each asks and what an answer yields.
 *
 * @module
 */

import { sha1 } from "../hash/mod.ts";
import type { Endpoint } from "./krpc/compact.ts";
import type { Vote } from "./krpc/messages.ts";
import {
  collect,
  type LookupContext,
  type LookupVariant,
  type Responder,
  runLookup,
} from "./lookup.ts";
import type { Answer } from "./rpc.ts";
import { idToHex, type NodeId } from "./node_id.ts";

/** `find_node`: nodes only. */
export const FIND_NODE: LookupVariant<never, "find_node"> = {
  method: "find_node",
  args: (id, target) => ({ id, target }),
  extract: () => [],
};

/** `get_peers`: the peers that announced the key. */
export const GET_PEERS: LookupVariant<Endpoint, "get_peers"> = {
  method: "get_peers",
  args: (id, infoHash) => ({ id, infoHash }),
  extract: (answer) => answer.body.values ?? [],
};

/** BEP 44 `get`: the first value that hashes to the key. */
export const GET_ITEM: LookupVariant<Uint8Array, "get"> = {
  method: "get",
  args: (id, target) => ({ id, target }),
  // A value counts only if it hashes to the key: nobody can answer with something else.
  extract: (answer, target) => {
    const value = answer.body.value;
    return value && idToHex(sha1(value)) === idToHex(target) ? [value] : [];
  },
  satisfied: (yielded) => yielded > 0,
};

/** `get` to collect write tokens for a put (values are not needed). */
export const GET_ITEM_TOKENS: LookupVariant<never, "get"> = {
  ...GET_ITEM,
  extract: () => [],
  satisfied: undefined,
};

/** `get` toward NOT(a node's id): the votes apt-dht nodes keep there ride in their answers. */
export const GET_VOTES: LookupVariant<Vote, "get"> = {
  method: "get",
  args: (id, target) => ({ id, target }),
  extract: (answer) => answer.body.votes ?? [],
  staleGraceMs: 0,
};

/**
 * A `get` lookup for `key` to collect write tokens, then `store` to each of
 * the K closest nodes (those that count, BEP 42) that gave one and that
 * `accept` takes; resolves with how many stored it. BEP 44 puts and votes.
 */
export async function storeAtClosest(
  context: LookupContext,
  key: NodeId,
  signal: AbortSignal | undefined,
  accept: (contact: Responder) => boolean,
  store: (contact: Responder, token: Uint8Array) => Promise<Answer>,
): Promise<number> {
  const { result } = await collect(runLookup(context, key, GET_ITEM_TOKENS, signal));
  const targets = result.closest.filter((c) => c.token && accept(c));
  const outcomes = await Promise.allSettled(targets.map((c) => store(c, c.token!)));
  return outcomes.filter((o) => o.status === "fulfilled").length;
}
