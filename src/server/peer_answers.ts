/**
 * Answers to other daemons: a cached file by its SHA-256 or by its
 * signature's DHT key, and a piece list by its SHA-1. Any address may ask
 * (access.ts), so only what may be announced is served: a stranger must
 * not learn what else the cache holds. Every byte both ways is counted as
 * peer traffic, heads included, and uploads are paced by the upload limit.
 *
 * @module
 */

import type { CacheStore } from "../cache/mod.ts";
import type { PeerRecords, UploadLimiter } from "../peers/mod.ts";
import {
  receivedRequestHeadBytes,
  sentResponseHeadBytes,
  type TrafficCounters,
} from "../stats/mod.ts";
import type { PeerRequest } from "./access.ts";
import { serveCached } from "./cached_response.ts";
import { respondWithBody, textResponse } from "./http_response.ts";
import { formatGrowing, GROWING_HEADER, type GrowingFile } from "../transfer/mod.ts";

/** What answering peers needs. */
export interface PeerAnswerDeps {
  readonly counters: TrafficCounters;
  /** Where peers' requests by hash are answered from. */
  readonly cache: CacheStore;
  /** Where bytes uploaded to peers are counted per peer. */
  readonly peerRecords?: PeerRecords;
  /** Paces uploads to peers, when a limit is set. */
  readonly uploadLimiter?: UploadLimiter;
  /** SHA-256 of the Release a detached signature (by its DHT key, hex) verified. */
  readonly signedSha256?: (key: string) => string | undefined;
  /** Whether a trusted index lists this SHA-256 (shared files are served by hash only then). */
  readonly trusted?: (sha256: string) => boolean;
  /** A download in progress peers may follow (a file shared while it downloads). */
  readonly growing?: (sha256: string) => GrowingFile | undefined;
  /** Content this daemon keeps to itself (withheld from the DHT): refused like a file it lacks. */
  readonly withheld?: (sha256: string) => boolean;
  /** `peers.announce = false`: nothing is served to peers, piece lists included. */
  readonly revealNothing?: boolean;
}

/** Writes the request's log line: status, where the bytes came from, how many. */
export type RequestLogLine = (
  status: number,
  source: "refused" | "upload",
  bytes: number,
  extra?: Record<string, unknown>,
) => void;

/** The answer to a peer's request by hash. */
export async function answerPeer(
  deps: PeerAnswerDeps,
  request: Request,
  target: PeerRequest,
  client: string,
  line: RequestLogLine,
): Promise<Response> {
  const exchange = (response: Response, bodyBytes: number) => {
    deps.counters.carried("peer", "in", receivedRequestHeadBytes(request));
    const out = sentResponseHeadBytes(response, bodyBytes) + bodyBytes;
    deps.counters.carried("peer", "out", out);
    return out;
  };
  if (target.kind === "peer-piece-list") {
    const list = deps.revealNothing ? undefined : deps.cache.pieceList(target.sha1);
    line(list ? 200 : 404, list ? "upload" : "refused", list?.length ?? 0);
    if (!list) {
      const refusal = textResponse(404, "no such piece list");
      exchange(refusal, 19);
      return refusal;
    }
    const head = request.method === "HEAD";
    const response = new Response(head ? null : list, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(list.length),
      },
    });
    exchange(response, head ? 0 : list.length);
    return response;
  }
  // A signed file's asker knows the signature, which only that content verifies against.
  const found = target.kind === "peer-file" ? target.sha256 : deps.signedSha256?.(target.key);
  // A stranger must not tell a withheld file from one we lack.
  const kept = deps.revealNothing || (found !== undefined && deps.withheld?.(found) === true);
  const sha256 = kept ? undefined : found;
  const cached = !sha256
    ? undefined
    : target.kind === "peer-file"
    ? deps.cache.openShareable(sha256, deps.trusted ?? (() => false))
    : deps.cache.openBySha256(sha256);
  const growing = !cached && sha256 && target.kind === "peer-file"
    ? deps.growing?.(sha256)
    : undefined;
  if (growing) return await answerGrowing(deps, request, growing, client, line, exchange);
  if (!sha256 || !cached) {
    line(404, "refused", 0);
    const refusal = textResponse(404, "no such file");
    exchange(refusal, 13);
    return refusal;
  }
  const response = await serveCached(request, cached, "cache");
  // Where a downloader finds the piece list, to fetch the file in checked pieces.
  const pieces = deps.cache.pieceListKey(sha256);
  if (pieces) response.headers.set("x-apt-dht-pieces", pieces);
  const bytes = response.body ? Number(response.headers.get("content-length") ?? 0) : 0;
  deps.counters.uploaded += bytes;
  const wire = exchange(response, bytes);
  if (bytes) deps.peerRecords?.uploaded(client, bytes);
  line(response.status, "upload", bytes, { wire });
  return await paced(deps, response, wire - bytes);
}

/** The response paced by the upload limit, when one is set: its head's bytes, then its body. */
async function paced(deps: PeerAnswerDeps, response: Response, headBytes: number) {
  if (!deps.uploadLimiter) return response;
  // The limit paces what the network carries: the head's bytes take their share too.
  await deps.uploadLimiter.take(headBytes);
  if (!response.body) return response;
  return new Response(deps.uploadLimiter.throttle(response.body), {
    status: response.status,
    headers: response.headers,
  });
}

/**
 * A download in progress, to a peer that follows it: the bytes received so
 * far and those still to come (the peer holds them back until its copy
 * verified), with where this copy stands in `x-apt-dht-growing`. Body bytes
 * are counted as they go, since the stream may end early.
 */
async function answerGrowing(
  deps: PeerAnswerDeps,
  request: Request,
  growing: GrowingFile,
  client: string,
  line: RequestLogLine,
  exchange: (response: Response, bodyBytes: number) => number,
): Promise<Response> {
  const counted = (body: ReadableStream<Uint8Array>) =>
    body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          deps.counters.uploaded += chunk.byteLength;
          deps.counters.uploadedGrowing += chunk.byteLength;
          deps.counters.carried("peer", "out", chunk.byteLength);
          deps.peerRecords?.uploaded(client, chunk.byteLength);
          controller.enqueue(chunk);
        },
      }),
    );
  const response = await respondWithBody(
    request,
    { size: growing.size },
    (start, end) => counted(growing.stream(start, end)),
    { [GROWING_HEADER]: formatGrowing(growing.state()) },
  );
  const head = exchange(response, 0); // the head; the body counts itself
  line(response.status, "upload", 0, { growing: true });
  return await paced(deps, response, head);
}
