/**
 * `apt-dht dht`: a DHT-only node (no HTTP, no cache), e.g. a bootstrap
 * node for a private network. Its routing table lives in the state
 * directory.
 *
 * @module
 */

import { DATABASE_FILE, openDatabase } from "../db/mod.ts";
import type { Config } from "../config/mod.ts";
import { createDhtNode } from "../daemon/mod.ts";
import { Logger } from "../log/mod.ts";
import { StopSignals } from "./signals.ts";

/** Runs the node until SIGTERM or SIGINT; resolves to the exit status. */
export async function runDhtNode(settings: Config): Promise<number> {
  const signals = new StopSignals();
  const log = new Logger(settings.log.level);
  await Deno.mkdir(settings.state.directory, { recursive: true });
  const db = openDatabase(`${settings.state.directory}/${DATABASE_FILE}`);
  const node = createDhtNode(settings, settings.server.port, db, log);
  await node.start();
  await signals.stopWhenSignalled(async () => {
    await node.stop();
    db.close();
    log.info("dht.stopped");
  });
  return 0;
}
