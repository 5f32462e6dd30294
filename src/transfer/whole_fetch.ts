/**
 * A whole file from one source (a peer, or a mirror and its addresses):
 * a conditional request for a revalidation, the length checked against the
 * index, the body read no further than expected, resumed when a mirror's
 * transfer is cut off, then verified and committed. Peers' bytes are all
 * held back until then; a mirror's but the last byte, with a known hash.
 *
 * @module
 */

import type { CachedFile } from "../cache/mod.ts";
import { UpstreamError } from "../fetch/mod.ts";
import { hasHash } from "../hash/mod.ts";
import type { Attempt } from "./attempt.ts";
import { MAX_UNSIZED_PEER_BYTES } from "./constants.ts";
import {
  type DownloadDeps,
  type DownloadOutcome,
  type DownloadRequest,
  lengthOf,
  rangeStart,
} from "./download_request.ts";
import type { SharedBody } from "./shared_body.ts";
import type { Source } from "./source.ts";
import type { SourcePlan } from "./source_plan.ts";

/** What a whole-file fetch needs of its download. */
export interface WholeFetchContext {
  readonly key: string;
  readonly request: DownloadRequest;
  readonly deps: DownloadDeps;
  readonly body: SharedBody;
  readonly signal: AbortSignal;
  /** The mirror address the current attempt went to (the daemon picks them for DNS names). */
  address: string | undefined;
  beginAttempt(holdBack: number): Promise<Attempt>;
  settleWith(outcome: DownloadOutcome): void;
  /** Verifies and commits; `beforeRelease` runs once it verified, before readers get the rest. */
  verifyAndCommit(
    attempt: Attempt,
    label: string,
    validators: { etag?: string; lastModified?: string },
    beforeRelease?: () => void,
    verifyMore?: DownloadRequest["verifyPeer"],
  ): Promise<CachedFile | undefined>;
}

/** How a whole-file fetch ended: a status that is not the file, or done (maybe a 304). */
export type WholeFetchResult =
  | { kind: "status"; status: number }
  | { kind: "done"; file?: CachedFile; lagMs: number };

/** Fetches the whole file from one source, resuming when cut off; commits when verified. */
export async function fetchWhole(
  ctx: WholeFetchContext,
  source: Source,
  plan: SourcePlan,
): Promise<WholeFetchResult> {
  const { cache, log } = ctx.deps;
  const { url, peer } = source;
  const validators = plan.isFirstMirror(source) ? ctx.request.validators : undefined;
  const started = performance.now();
  const client = peer ? ctx.deps.peers!.client : ctx.deps.client;
  const signal = ctx.signal;
  ctx.address = undefined;
  let response = await client.request({
    url,
    signal,
    ifNoneMatch: validators?.etag,
    ifModifiedSince: validators?.lastModified,
    avoid: plan.avoided(source),
  });
  ctx.address = response.address;
  const lagMs = performance.now() - started;
  if (response.status === 304 && validators) {
    response.cancel();
    ctx.body.finish();
    ctx.settleWith({ kind: "not-modified" });
    return { kind: "done", lagMs };
  }
  if (response.status !== 200) {
    response.cancel();
    log.info("download.upstream_status", {
      key: ctx.key,
      upstream: url,
      status: response.status,
    });
    return { kind: "status", status: response.status };
  }
  const expected = ctx.request.expected ?? {};
  const contentLength = lengthOf(response);
  if (
    expected.size !== undefined && contentLength !== undefined && contentLength !== expected.size
  ) {
    response.cancel();
    cache.recordHashFailure(ctx.key, url, `length ${contentLength}, expected ${expected.size}`);
    throw new UpstreamError(
      url,
      "mismatch",
      `length ${contentLength}, index says ${expected.size}`,
    );
  }
  // A peer's validators mean nothing to the mirror: keep only the mirror's.
  const etag = peer ? undefined : response.headers.get("etag") ?? undefined;
  const lastModified = peer ? undefined : response.headers.get("last-modified") ?? undefined;
  // A weak ETag cannot be used in If-Range; a date can.
  const ifRange = etag && !etag.startsWith("W/") ? etag : lastModified;
  const settleBody = () =>
    ctx.settleWith({
      kind: "body",
      size: expected.size ?? contentLength,
      etag,
      lastModified,
      source: peer ? "peer" : "mirror",
      upstream: url,
    });
  // A peer's bytes are all held back, so apt hears of them only once they verified.
  if (!peer) settleBody();

  const holdBack = peer ? Infinity : hasHash(ctx.request.expected) ? 1 : 0;
  let attempt = await ctx.beginAttempt(holdBack);
  if (peer && expected.size === undefined) {
    // No index gives the size (a Release found by its signature): the peer's word is all
    // there is, so it is held to what such a file can be, and must state its length.
    if (contentLength === undefined || contentLength > MAX_UNSIZED_PEER_BYTES) {
      response.cancel();
      throw new UpstreamError(url, "status", `a peer's length ${contentLength ?? "unstated"}`);
    }
  }
  // Where the body must end; it is read no further (an endless body stops at the first byte too many).
  let expectedEnd = contentLength ?? expected.size;
  let resumes = 0;
  while (true) {
    try {
      await ctx.body.pump(attempt, response.body!, expectedEnd, url);
      break;
    } catch (error) {
      const retryable = error instanceof UpstreamError && error.failure !== "cancelled" &&
        error.failure !== "mismatch" && !signal.aborted;
      // Without a validator only a known hash makes splicing a resumed transfer safe.
      const resumable = ifRange !== undefined || hasHash(ctx.request.expected);
      const allowed = peer ? 0 : ctx.request.resumeAttempts; // a faltering peer: next source
      if (!retryable || resumes >= allowed || !resumable) {
        await ctx.body.discard(attempt);
        throw error;
      }
      resumes++;
      log.info("download.resume", {
        key: ctx.key,
        upstream: url,
        from: attempt.written,
        attempt: resumes,
      });
      response = await client.request({ url, rangeFrom: attempt.written, ifRange, signal });
      if (response.status === 206 && rangeStart(response) === attempt.written) {
        const length = lengthOf(response);
        expectedEnd = length === undefined ? expected.size : attempt.written + length;
        continue;
      }
      if (response.status === 200) {
        // The mirror restarted the file: take it whole into a new attempt.
        await ctx.body.discard(attempt);
        attempt = await ctx.beginAttempt(holdBack);
        expectedEnd = lengthOf(response) ?? expected.size;
        continue;
      }
      response.cancel();
      await ctx.body.discard(attempt);
      throw new UpstreamError(url, "status", `resume answered ${response.status}`);
    }
  }

  const file = await ctx.verifyAndCommit(
    attempt,
    url,
    { etag, lastModified },
    peer ? settleBody : undefined,
    peer ? ctx.request.verifyPeer : undefined,
  );
  return { kind: "done", file, lagMs };
}
