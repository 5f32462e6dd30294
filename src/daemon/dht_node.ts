/**
 * Runs the DHT node of a daemon (or of `apt-dht dht`): its UDP socket on
 * the daemon's port, its routing table kept in the state database.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Config } from "../config/mod.ts";
import { DhtNode, SqliteDhtStateStore, UdpSocket } from "../dht/mod.ts";
import type { Logger } from "../log/mod.ts";
import { bareHost } from "../net/mod.ts";

/** Creates the node on UDP `port` (the HTTP port) from the configuration; not yet started. */
export function createDhtNode(
  config: Config,
  port: number,
  db: DatabaseSync,
  log: Logger,
): DhtNode {
  const socket = new UdpSocket(config.server.listen, port);
  return new DhtNode({
    socket,
    bootstrap: config.dht.bootstrap.map((a) => ({
      address: bareHost(a.host),
      port: a.port!,
    })),
    store: new SqliteDhtStateStore(db),
    readOnly: config.dht.readOnly,
    log: log.child({ part: "dht" }),
  });
}
