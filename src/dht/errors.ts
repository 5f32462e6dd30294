/**
 * Typed errors of the DHT.
 *
 * @module
 */

import type { Endpoint } from "./krpc/compact.ts";

/** A node did not answer a query, even after the retransmissions. */
export class QueryTimeoutError extends Error {
  override name = "QueryTimeoutError";
  constructor(readonly to: Endpoint, readonly method: string) {
    super(`${method} to ${to.address}:${to.port}: no answer`);
  }
}

/** A node answered a query with a KRPC error. */
export class RemoteError extends Error {
  override name = "RemoteError";
  constructor(readonly from: Endpoint, readonly code: number, readonly remoteMessage: string) {
    super(`${from.address}:${from.port} answered error ${code}: ${remoteMessage}`);
  }
}

/** A value that cannot be stored (BEP 44 limits). */
export class ValueTooLargeError extends Error {
  override name = "ValueTooLargeError";
}
