/**
 * Persistence of a node's id and routing table, so a restarted node rejoins
 * through the nodes it knew before falling back to the bootstrap list.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Contact } from "./krpc/compact.ts";
import { idFromHex, idToHex, type NodeId } from "./node_id.ts";

/** What is saved. */
export interface DhtState {
  readonly id: NodeId;
  readonly contacts: readonly Contact[];
}

/** Where it is saved. */
export interface DhtStateStore {
  load(): DhtState | undefined;
  save(state: DhtState): void;
}

/** Keeps the state in the daemon's sqlite database, one row per node port. */
export class SqliteDhtStateStore implements DhtStateStore {
  /** `db` has the schema of db/ (its migrations create the table). */
  constructor(private readonly db: DatabaseSync, private readonly name = "dht") {}

  load(): DhtState | undefined {
    const row = this.db.prepare("SELECT state FROM dht_state WHERE name = ?").get(this.name) as
      | { state: string }
      | undefined;
    if (!row) return undefined;
    try {
      const parsed = JSON.parse(row.state) as {
        id: string;
        contacts: { id: string; address: string; port: number }[];
      };
      return {
        id: idFromHex(parsed.id),
        contacts: parsed.contacts.map((c) => ({
          id: idFromHex(c.id),
          address: c.address,
          port: c.port,
        })),
      };
    } catch {
      return undefined; // a damaged row: start afresh rather than not at all
    }
  }

  save(state: DhtState): void {
    const json = JSON.stringify({
      id: idToHex(state.id),
      contacts: state.contacts.map((c) => ({
        id: idToHex(c.id),
        address: c.address,
        port: c.port,
      })),
    });
    this.db.prepare(
      "INSERT INTO dht_state (name, state) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET state = excluded.state",
    )
      .run(this.name, json);
  }
}

/** Keeps the state in memory (tests, and nodes without a state directory). */
export class MemoryDhtStateStore implements DhtStateStore {
  state: DhtState | undefined;
  load(): DhtState | undefined {
    return this.state;
  }
  save(state: DhtState): void {
    this.state = state;
  }
}
