/**
 * The HTTP front: one `Deno.serve` handler that checks who is asking,
 * classifies the request, and hands it to the pipeline or the status pages.
 * Every request ends in one log line saying what was served from where.
 *
 * @module
 */

import type { MirrorAlias } from "../config/mod.ts";
import type { CacheStore } from "../cache/mod.ts";
import { serveCached } from "./cached_response.ts";
import type { PeerRecords, UploadLimiter } from "../peers/mod.ts";
import { addressInAny, type Cidr, isLocalAddress } from "../net/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  receivedRequestHeadBytes,
  sentResponseHeadBytes,
  type TrafficCounters,
} from "../stats/mod.ts";
import { type AptPipeline, type Source, textResponse } from "./apt_pipeline.ts";
import type { RequestLimits } from "./request_limits.ts";
import { classifyRequest } from "./request_target.ts";
import { statusResponse, type StatusSource } from "./status/pages.ts";

/** What the front needs. */
export interface HttpFrontDeps {
  readonly pipeline: AptPipeline;
  readonly counters: TrafficCounters;
  readonly log: Logger;
  /** Our `Via` token; a request carrying it has looped back to us. */
  readonly via: string;
  /** The port we listen on, known once bound. */
  readonly port: () => number;
  readonly status: StatusSource;
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
  /** Requests in flight per address and in total; past them, 503 at once. */
  readonly limits?: RequestLimits;
}

/** What a config reload may change in the front; read per request. */
export interface FrontSettings {
  readonly allowedClients: readonly Cidr[];
  /** Status pages for any address, not only allowed clients. */
  readonly statusPublic?: boolean;
  readonly mirrors: ReadonlyMap<string, MirrorAlias>;
}

/** The request handler for `Deno.serve`, and how a reload reaches it. */
export interface HttpFront {
  readonly handle: (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response>;
  /** Applies `settings` from the next request on. */
  reconfigure(settings: FrontSettings): void;
}

/** Builds the request handler for `Deno.serve`. */
export function createHandler(deps: HttpFrontDeps, initial: FrontSettings): HttpFront {
  let settings = initial;
  // Clients are few and parsing an address per request is not free: remember verdicts.
  const verdicts = new Map<string, boolean>();
  const allowed = (client: string) => {
    let verdict = verdicts.get(client);
    if (verdict === undefined) {
      if (verdicts.size >= 4096) verdicts.clear();
      verdict = addressInAny(client, settings.allowedClients);
      verdicts.set(client, verdict);
    }
    return verdict;
  };
  const reconfigure = (next: FrontSettings) => {
    if (next.allowedClients !== settings.allowedClients) verdicts.clear(); // judge everyone again
    settings = next;
  };
  // This machine's interfaces, listed again at most every 10 s (a syscall each time).
  const listed = { at: -Infinity, interfaces: [] as readonly { address: string }[] };
  const interfaces = () => {
    if (performance.now() - listed.at > 10_000) {
      listed.at = performance.now(); // first: without permission to list, not asked per request
      listed.interfaces = Deno.networkInterfaces();
    }
    return listed.interfaces;
  };
  // 0.0.0.0 reaches this machine as well (address_scope.ts counts it as loopback too).
  const isOwnAddress = (address: string) =>
    address === "0.0.0.0" || isLocalAddress(address, interfaces);
  return { handle, reconfigure };
  async function handle(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const started = performance.now();
    const client = info.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : "unix";
    const release = deps.limits ? deps.limits.enter(client, allowed(client)) : () => {};
    if (!release) {
      // Not logged one by one: under a flood the log would be the next thing to fill up.
      deps.counters.refused++;
      const busy = textResponse(503, "too many requests in flight");
      busy.headers.set("retry-after", "5");
      return busy;
    }
    // Over once the whole response has gone out, or the client has gone.
    info.completed.then(release, release);
    const { mirrors, statusPublic } = settings;
    const target = classifyRequest(request, { port: deps.port(), mirrors, isOwnAddress });
    const line = (
      status: number,
      source: Source | "local" | "refused" | "upload",
      bytes: number | undefined,
      extra = {},
    ) =>
      deps.log.info("http.request", {
        client,
        method: request.method,
        target: target.kind === "archive"
          ? target.key
          : request.url.replace(/^[a-z]+:\/\/[^/]*/i, ""),
        status,
        source,
        bytes,
        ms: Math.round(performance.now() - started),
        ...extra,
      });

    // Peers' requests: every byte both ways is counted, heads included (the body as it is sent).
    const peerExchange = (response: Response, bodyBytes: number) => {
      deps.counters.carried("peer", "in", receivedRequestHeadBytes(request));
      const out = sentResponseHeadBytes(response, bodyBytes) + bodyBytes;
      deps.counters.carried("peer", "out", out);
      return out;
    };
    if (target.kind === "peer-file" || target.kind === "peer-signed") {
      // Any address may ask for a file by hash, but only for what may be announced: a stranger
      // must not learn what else the cache holds. A signed file's asker knows the signature,
      // which only that content verifies against.
      const sha256 = target.kind === "peer-file" ? target.sha256 : deps.signedSha256?.(target.key);
      const cached = !sha256
        ? undefined
        : target.kind === "peer-file"
        ? deps.cache.openShareable(sha256, deps.trusted ?? (() => false))
        : deps.cache.openBySha256(sha256);
      if (!sha256 || !cached) {
        line(404, "refused", 0);
        const refusal = textResponse(404, "no such file");
        peerExchange(refusal, 13);
        return refusal;
      }
      const response = await serveCached(request, cached, "cache");
      // Where a downloader finds the piece list, to fetch the file in checked pieces.
      const pieces = deps.cache.pieceListKey(sha256);
      if (pieces) response.headers.set("x-apt-dht-pieces", pieces);
      const bytes = response.body ? Number(response.headers.get("content-length") ?? 0) : 0;
      deps.counters.uploaded += bytes;
      const wire = peerExchange(response, bytes);
      if (bytes) deps.peerRecords?.uploaded(client, bytes);
      line(response.status, "upload", bytes, { wire });
      if (!deps.uploadLimiter) return response;
      // The limit paces what the network carries: the head's bytes take their share too.
      await deps.uploadLimiter.take(wire - bytes);
      if (!response.body) return response;
      return new Response(deps.uploadLimiter.throttle(response.body), {
        status: response.status,
        headers: response.headers,
      });
    }
    if (target.kind === "peer-piece-list") {
      const list = deps.cache.pieceList(target.sha1);
      line(list ? 200 : 404, list ? "upload" : "refused", list?.length ?? 0);
      if (!list) {
        const refusal = textResponse(404, "no such piece list");
        peerExchange(refusal, 19);
        return refusal;
      }
      const head = request.method === "HEAD";
      const response = new Response(head ? null : list, {
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(list.length),
        },
      });
      peerExchange(response, head ? 0 : list.length);
      return response;
    }
    if (target.kind === "local" && statusPublic) {
      const response = statusResponse(target.path, deps.status);
      line(response.status, "local", undefined);
      return response;
    }
    if (target.kind === "refused" && target.public) {
      line(target.status, "refused", 0, { reason: target.reason });
      return textResponse(target.status, target.reason);
    }
    if (!allowed(client)) {
      deps.counters.refused++;
      line(403, "refused", 0);
      return textResponse(403, "this client may not use this proxy");
    }
    if ((request.headers.get("via") ?? "").includes(deps.via)) {
      deps.counters.refused++;
      line(508, "refused", 0);
      return textResponse(508, "request loops back to this daemon");
    }
    if (target.kind === "refused") {
      deps.counters.refused++;
      line(target.status, "refused", 0, { reason: target.reason });
      return textResponse(target.status, target.reason);
    }
    if (target.kind === "local") {
      const response = statusResponse(target.path, deps.status);
      line(response.status, "local", undefined);
      return response;
    }

    let result;
    try {
      result = await deps.pipeline.handle(request, target);
    } catch (error) {
      deps.log.error("http.pipeline_error", { key: target.key, error });
      line(500, "none", 0);
      return textResponse(500, "internal error");
    }
    const { response, source, upstream } = result;
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (!response.body || (source !== "mirror" && source !== "peer")) {
      // Cache hits keep Deno's direct file-to-socket path: count the declared length.
      const bytes = response.body && Number.isFinite(declared) ? declared : 0;
      deps.counters.served(source, bytes);
      line(response.status, source, bytes);
      return response;
    }
    const counted = countBytes(response.body, (bytes, ending) => {
      deps.counters.served(source, bytes);
      line(
        response.status,
        source,
        bytes,
        ending === "complete" ? { upstream } : { upstream, ending },
      );
    });
    return new Response(counted, { status: response.status, headers: response.headers });
  }
}

/**
 * Passes a body through, reporting once how many bytes went out and how it
 * ended: complete, failed (the download broke) or cancelled (apt hung up).
 */
function countBytes(
  body: ReadableStream<Uint8Array>,
  onEnd: (bytes: number, ending: "complete" | "failed" | "cancelled") => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  let ended = false;
  const end = (ending: "complete" | "failed" | "cancelled") => {
    if (!ended) onEnd(bytes, ending);
    ended = true;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end("complete");
          controller.close();
        } else {
          bytes += value.byteLength;
          controller.enqueue(value);
        }
      } catch (error) {
        end("failed");
        controller.error(error);
      }
    },
    cancel(reason) {
      end("cancelled");
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
