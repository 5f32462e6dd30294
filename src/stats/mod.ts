/**
 * Counters fed by the other parts: bytes by source, requests, refusals.
 *
 * @module
 */
export * from "./counters.ts";
export * from "./persisted.ts";
export * from "./wire.ts";
export * from "./loop_stalls.ts";
