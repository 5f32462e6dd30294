/**
 * File descriptors: every connection, cached file being served and
 * download costs one. Deno raises the soft limit to the hard one when it
 * starts (the unit sets the hard one). One descriptor is kept spare, to be
 * given up when the listener must be opened again after running out.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import type { ConnectionCapValues } from "../http1/mod.ts";

/**
 * Descriptors kept for everything but client connections: the database,
 * the cache files and downloads of requests past the connection cap, the
 * DHT's socket, the log.
 */
const DESCRIPTORS_KEPT = 512;
/**
 * Descriptors one connection may hold: itself, a cached file or a partial
 * download, and an upstream connection.
 */
const DESCRIPTORS_PER_CONNECTION = 3;
/** The total when the limit cannot be read, or is very high. */
const CONNECTIONS_AT_MOST = 4096;

/**
 * This process's soft limit on open files (Deno raises it to the hard one),
 * if it can be read: Deno lets only a process with every permission read
 * /proc/self, so the daemon under its own permissions falls back to
 * CONNECTIONS_AT_MOST (the packaged unit allows 65,536 descriptors).
 */
export function descriptorLimit(): number | undefined {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * The connection caps of `config`: the total, when not set, leaves each
 * connection the descriptors it may need below the limit.
 */
export function connectionCapsOf(config: Config, limit = descriptorLimit()): ConnectionCapValues {
  const fit = limit === undefined
    ? CONNECTIONS_AT_MOST
    : Math.max(16, Math.floor((limit - DESCRIPTORS_KEPT) / DESCRIPTORS_PER_CONNECTION));
  return {
    perClient: config.server.maxConnectionsPerClient,
    perStranger: config.server.maxConnectionsPerStranger,
    total: config.server.maxConnections ?? Math.min(CONNECTIONS_AT_MOST, fit),
  };
}

/** One descriptor held back, for the moment there is none left. */
export class SpareDescriptor {
  #file: Deno.FsFile | undefined;

  constructor() {
    this.take();
  }

  /** Holds a descriptor again (when one can be had). */
  take(): void {
    if (this.#file) return;
    try {
      this.#file = Deno.openSync("/dev/null");
    } catch { /* none to spare now: next time */ }
  }

  /** Gives the descriptor up, so the next open can succeed. */
  release(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
