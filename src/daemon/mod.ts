/**
 * The daemon: its parts wired together, started and stopped (the
 * composition root), and the DHT node it shares with `apt-dht dht`.
 *
 * @module
 */
export * from "./daemon.ts";
export * from "./dht_node.ts";
export type { ReloadResult } from "./live_config.ts";
