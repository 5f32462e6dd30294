/**
 * Typed errors of getting bytes from elsewhere.
 *
 * @module
 */

/** Why an upstream transfer failed. */
export type UpstreamFailure =
  | "connect"
  | "timeout"
  | "interrupted"
  | "cancelled"
  | "status"
  | "mismatch";

/** A mirror that could not deliver: unreachable, too slow, cut off, or wrong. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(readonly url: string, readonly failure: UpstreamFailure, detail: string) {
    super(`${url}: ${failure}: ${detail}`);
  }
}
