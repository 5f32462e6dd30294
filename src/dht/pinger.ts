/**
 * The pings that keep the routing table honest: a node that queried us is
 * pinged before it may enter the table (so a spoofed source cannot place
 * entries), but only when it could enter, and each endpoint once a while;
 * a questionable entry is pinged and removed when silent.
 *
 * @module
 */

import { MAX_CONCURRENT_PINGS, NODE_QUESTIONABLE_MS, PINGED_BACK_REMEMBERED } from "./constants.ts";
import type { Contact, Endpoint } from "./krpc/compact.ts";
import { idToHex, type NodeId } from "./node_id.ts";
import { RecentSet } from "./recent_set.ts";
import type { RoutingTable } from "./routing_table.ts";
import type { Answer, Rpc } from "./rpc.ts";

/** What the pinger uses of its node. */
export interface PingerDeps {
  readonly rpc: Rpc;
  /** The table now (it is rebuilt when our id changes). */
  readonly table: () => RoutingTable;
  readonly ownId: () => NodeId;
  /** A pinged querier answered: learn it as any node that answers. */
  readonly learn: (contact: Contact, answer: Answer) => void;
  readonly now: () => number;
}

/** Sends the table's pings, at most MAX_CONCURRENT_PINGS at once. */
export class Pinger {
  readonly #pinging = new Set<string>();
  readonly #pingedBack: RecentSet;

  constructor(private readonly deps: PingerDeps) {
    this.#pingedBack = new RecentSet(deps.now, NODE_QUESTIONABLE_MS, PINGED_BACK_REMEMBERED);
  }

  /** A node queried us: a known one is refreshed, an unknown one verified if it could enter. */
  queriedBy(id: NodeId, from: Endpoint, readOnly: boolean): void {
    const table = this.deps.table();
    if (table.has(id)) {
      table.touch(id);
      return;
    }
    if (readOnly || this.#pinging.size >= MAX_CONCURRENT_PINGS || !table.couldEnter(id)) return;
    if (!this.#pingedBack.add(`${from.address}|${from.port}`)) return;
    this.#ping(
      id,
      from,
      (answer) => this.deps.learn({ id: answer.body.id, ...answer.from }, answer),
    );
  }

  /** A full bucket's questionable entry: kept if it answers, removed if not. */
  questionable(contact: Contact): void {
    this.#ping(
      contact.id,
      contact,
      (answer) => this.deps.table().insert({ id: answer.body.id, ...answer.from }),
      () => this.deps.table().remove(contact.id),
    );
  }

  #ping(
    id: NodeId,
    to: Endpoint,
    answered: (answer: Answer) => void,
    silent: () => void = () => {},
  ): void {
    const key = idToHex(id);
    if (this.#pinging.has(key)) return;
    this.#pinging.add(key);
    this.deps.rpc.query(to, "ping", { id: this.deps.ownId() })
      .then(answered, silent)
      .finally(() => this.#pinging.delete(key));
  }
}
