/**
 * Counters fed by the other parts: bytes by source, requests, refusals.
 *
 * @module
 */
export { TrafficCounters } from "./counters.ts";
export { type LoopStallFigures, LoopStalls } from "./loop_stalls.ts";
export { PersistedCounters, type Totals } from "./persisted.ts";
export {
  receivedRequestHeadBytes,
  requestHeadBytes,
  responseHeadBytes,
  sentResponseHeadBytes,
} from "./wire.ts";
