/**
 * The daemon: its parts wired together, started and stopped (the
 * composition root), and the DHT node it shares with `apt-dht dht`.
 *
 * @module
 */
export { type Daemon, startDaemon } from "./daemon.ts";
export { createDhtNode } from "./dht_node.ts";
