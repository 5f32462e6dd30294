/**
 * Counters fed by the other parts: bytes by source, requests, refusals.
 *
 * @module
 */
export { type ClientFigures } from "./client_activity.ts";
export { TrafficCounters } from "./counters.ts";
export { type MirrorFigures, type MirrorOutcome } from "./mirror_health.ts";
export { HIT_SOURCES } from "./served_from.ts";
export { type HistoryEntry } from "./traffic_history.ts";
export { type LoopStallFigures, LoopStalls } from "./loop_stalls.ts";
export { PersistedCounters, type Totals } from "./persisted.ts";
export {
  receivedRequestHeadBytes,
  requestHeadBytes,
  responseHeadBytes,
  sentResponseHeadBytes,
} from "./wire.ts";
