/**
 * A request's way through the pipeline at `log.level = "debug"`: the index
 * lookup, the cached copy's verdict, the peers looked up and found, the
 * source chosen and why. One line per step, `request.<step> key=…`; above
 * debug nothing is built.
 *
 * @module
 */

import type { IndexEntry } from "../apt/mod.ts";
import type { Logger } from "../log/mod.ts";

/** Logs one step of `key`'s request; undefined (no cost) above debug. */
export type Step = (what: string, fields: Record<string, unknown>) => void;

/** The step logger of one request, or undefined when debug lines are off. */
export function requestSteps(log: Logger, key: string): Step | undefined {
  if (!log.enabled("debug")) return undefined;
  return (what, fields) => log.debug(`request.${what}`, { key, ...fields });
}

/** Why a new download asks no peer: what a peer's bytes could not be checked against. */
export function noPeersBecause(dht: boolean, expected: IndexEntry | undefined): string {
  if (!dht) return "no DHT";
  if (!expected?.sha256) return expected ? "no SHA-256 listed" : "not in a signed index";
  if (expected.size === undefined) return "size not listed";
  return "its Release is not verified";
}
