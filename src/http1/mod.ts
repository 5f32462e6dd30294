/**
 * The HTTP/1.1 server: request heads decoded strictly, responses framed
 * and sent (cached files in large reads), connections closed when slow or
 * idle and capped per address and in total.
 *
 * @module
 */
export type { ClosedBecause, Timeouts } from "./connection.ts";
export { type CapReason, ConnectionCaps, type ConnectionCapValues } from "./connection_caps.ts";
export { markFileBody } from "./file_body.ts";
export { reasonPhrase } from "./response_head.ts";
export { Http1Server } from "./server.ts";
export { tunnelResponse } from "./tunnel.ts";
