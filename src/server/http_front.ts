/**
 * The HTTP front: one request handler (of `Deno.serve`'s shape, served by `src/http1/`) that sheds requests past the
 * caps, asks access.ts what becomes of the request, and hands it to the
 * pipeline, the peers' answers or the status pages.
 * Every request ends in one log line saying what was served from where.
 *
 * @module
 */

import type { MirrorAlias } from "../config/mod.ts";
import { type Cidr, isLocalAddress } from "../net/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { TrafficCounters } from "../stats/mod.ts";
import { allowedClients, decideAccess } from "./access.ts";
import type { AptPipeline, Source } from "./apt_pipeline.ts";
import { textResponse } from "./http_response.ts";
import { answerPeer, type PeerAnswerDeps } from "./peer_answers.ts";
import type { RequestLimits } from "./request_limits.ts";
import type { TunnelOpener } from "./connect_tunnel.ts";
import { statusResponse } from "./status/pages.ts";
import type { StatusSource } from "./status/snapshot.ts";

/** What the front needs. */
export interface HttpFrontDeps extends PeerAnswerDeps {
  readonly pipeline: AptPipeline;
  readonly counters: TrafficCounters;
  readonly log: Logger;
  /** Our `Via` token; a request carrying it has looped back to us. */
  readonly via: string;
  /** The port we listen on, known once bound. */
  readonly port: () => number;
  readonly status: StatusSource;
  /** Requests in flight per address and in total; past them, 503 at once. */
  readonly limits?: RequestLimits;
  /** Opens `CONNECT` tunnels; without it every `CONNECT` is refused. */
  readonly tunnels?: TunnelOpener;
}

/** What a config reload may change in the front; read per request. */
export interface FrontSettings {
  readonly allowedClients: readonly Cidr[];
  /** Status pages for any address, not only allowed clients. */
  readonly statusPublic?: boolean;
  readonly mirrors: ReadonlyMap<string, MirrorAlias>;
  /** Hosts `CONNECT` may reach (`server.connect_pass_through`). */
  readonly passThrough?: readonly string[];
}

/** The request handler, and how a reload reaches it. */
export interface HttpFront {
  readonly handle: (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response>;
  /** Applies `settings` from the next request on. */
  reconfigure(settings: FrontSettings): void;
  /** Whether `client` is one of the allowed clients now (the connection caps ask too). */
  readonly allows: (client: string) => boolean;
}

/**
 * This machine's interfaces are listed again at most this often: a syscall
 * each time, and an address that came up is ours within seconds.
 */
const INTERFACES_RELISTED_MS = 10_000;

/** Builds the request handler. */
export function createHandler(deps: HttpFrontDeps, initial: FrontSettings): HttpFront {
  let settings = initial;
  let allows = allowedClients(settings.allowedClients);
  const reconfigure = (next: FrontSettings) => {
    if (next.allowedClients !== settings.allowedClients) {
      allows = allowedClients(next.allowedClients); // judge everyone again
    }
    settings = next;
  };
  const listed = { at: -Infinity, interfaces: [] as readonly { address: string }[] };
  const interfaces = () => {
    if (performance.now() - listed.at > INTERFACES_RELISTED_MS) {
      listed.at = performance.now(); // first: without permission to list, not asked per request
      listed.interfaces = Deno.networkInterfaces();
    }
    return listed.interfaces;
  };
  // 0.0.0.0 reaches this machine as well (address_scope.ts counts it as loopback too).
  const isOwnAddress = (address: string) =>
    address === "0.0.0.0" || isLocalAddress(address, interfaces);
  return { handle, reconfigure, allows: (client) => allows(client) };
  async function handle(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const started = performance.now();
    const client = info.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : "unix";
    const release = deps.limits ? deps.limits.enter(client, allows(client)) : () => {};
    if (!release) {
      // Not logged one by one: under a flood the log would be the next thing to fill up.
      deps.counters.refused++;
      const busy = textResponse(503, "too many requests in flight");
      busy.headers.set("retry-after", "5");
      return busy;
    }
    // Over once the whole response has gone out, or the client has gone.
    info.completed.then(release, release);
    const decision = decideAccess(request, client, {
      port: deps.port(),
      mirrors: settings.mirrors,
      isOwnAddress,
      allows,
      statusPublic: settings.statusPublic ?? false,
      via: deps.via,
      passThrough: deps.tunnels ? settings.passThrough : [],
    });
    const { target } = decision;
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

    switch (decision.kind) {
      case "peer":
        return await answerPeer(deps, request, decision.target, client, line);
      case "status": {
        const response = statusResponse(decision.path, deps.status);
        line(response.status, "local", undefined);
        return response;
      }
      case "refuse": {
        if (decision.counted) deps.counters.refused++;
        line(
          decision.status,
          "refused",
          0,
          target.kind === "refused" ? { reason: decision.reason } : {},
        );
        return textResponse(decision.status, decision.reason);
      }
      case "tunnel": {
        // Logged by the opener when it opens and when it ends: a tunnel outlives this line.
        return await deps.tunnels!.open(decision.target, decision.mirror, client);
      }
    }
    const archive = decision.target;
    let result;
    try {
      result = await deps.pipeline.handle(request, archive);
    } catch (error) {
      deps.log.error("http.pipeline_error", { key: archive.key, error });
      line(500, "none", 0);
      return textResponse(500, "internal error");
    }
    const { response, source, upstream } = result;
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (!response.body || (source !== "mirror" && source !== "peer")) {
      // Cache hits keep Deno's direct file-to-socket path: count the declared length.
      const bytes = response.body && Number.isFinite(declared) ? declared : 0;
      deps.counters.served(source, bytes, client);
      line(response.status, source, bytes);
      return response;
    }
    const counted = countBytes(response.body, (bytes, ending) => {
      deps.counters.served(source, bytes, client);
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
