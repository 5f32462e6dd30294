/**
 * The TCP listener: binds the port (the DHT then shares it) and serves it
 * with the HTTP/1.1 server, whose caps and timeouts come from the config;
 * at stop it stops accepting, gives transfers in flight a grace period,
 * then cuts the rest off without committing anything.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import {
  type CapReason,
  type ClosedBecause,
  ConnectionCaps,
  Http1Server,
  type Timeouts,
} from "../http1/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { AptPipeline, HttpFront } from "../server/mod.ts";
import type { TrafficCounters } from "../stats/mod.ts";
import type { Component } from "./lifecycle.ts";
import type { ListenPort } from "./listen_port.ts";
import type { LiveConfig } from "./live_config.ts";
import { connectionCapsOf, SpareDescriptor } from "./open_files.ts";

/** Accept failures (no descriptor left) are logged at most this often. */
const ACCEPT_FAILURE_LOGGED_MS = 10_000;

/** The HTTP server around the front. */
export class HttpListener implements Component {
  #server: Http1Server | undefined;
  readonly #spare = new SpareDescriptor();
  /** The spare descriptor taken again a while after accepting failed (one timer, not one per failure). */
  #retake: ReturnType<typeof setTimeout> | undefined;
  readonly #caps: ConnectionCaps;

  constructor(
    private readonly deps: {
      readonly live: LiveConfig;
      readonly front: HttpFront;
      /** Aborted when the grace period is over. */
      readonly pipeline: AptPipeline;
      readonly listen: ListenPort;
      readonly counters: TrafficCounters;
      readonly log: Logger;
    },
  ) {
    this.#caps = new ConnectionCaps(
      connectionCapsOf(deps.live.current),
      deps.front.allows, // the front's verdicts, reloaded with it
      (address, reason: CapReason, count) => {
        deps.log.warn("http.connection_refused", { client: address, reason, count });
      },
    );
    deps.live.subscribe((next: Config) => {
      this.#caps.setCaps(connectionCapsOf(next));
      this.#server?.setTimeouts(timeoutsOf(next));
    });
  }

  start(): Promise<void> {
    const { live, front, log, counters } = this.deps;
    const { server } = live.current;
    const listener = listenTcp(server.listen, server.port, live.current.dht.enabled);
    let acceptLoggedAt = -Infinity;
    this.#server = new Http1Server(listener, {
      handler: front.handle,
      onError: (error) => {
        log.error("http.handler_error", { error });
        return new Response("internal error\n", { status: 500 });
      },
      timeouts: timeoutsOf(live.current),
      admit: (address) => {
        const admission = this.#caps.admit(address);
        if (typeof admission === "function") return admission;
        counters.connection(`refused_${admission}`);
        return undefined;
      },
      closed: (because: ClosedBecause) => counters.connection(because),
      acceptFailed: (error) => {
        // Out of descriptors: give up the spare one so that what frees up next is not taken.
        this.#spare.release();
        if (performance.now() - acceptLoggedAt > ACCEPT_FAILURE_LOGGED_MS) {
          acceptLoggedAt = performance.now();
          log.error("http.accept_failed", { error, open: this.#caps.open });
        }
        this.#retake ??= setTimeout(() => {
          this.#retake = undefined;
          this.#spare.take();
        }, ACCEPT_FAILURE_LOGGED_MS);
      },
    });
    this.deps.listen.bound(listener.addr.port);
    return Promise.resolve();
  }

  /** Connections open now. */
  get open(): number {
    return this.#server?.open ?? 0;
  }

  async drain(graceMs: number): Promise<void> {
    const { pipeline, log } = this.deps;
    const server = this.#server!;
    const shutdown = server.shutdown().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), graceMs)
    );
    if (await Promise.race([shutdown.then(() => "done" as const), graceOver]) === "timeout") {
      log.warn("daemon.aborting_transfers", { downloads: pipeline.activeDownloads });
      pipeline.abortAll("daemon stopping");
      server.closeAll();
    }
    clearTimeout(timer);
    await shutdown;
    clearTimeout(this.#retake); // else it would hold the descriptor again, and the stop 10 s
    this.#spare.release();
  }
}

/** The server's timeouts from the config's seconds. */
function timeoutsOf({ server }: Config): Timeouts {
  return {
    headerMs: server.headerTimeout * 1000,
    idleMs: server.idleTimeout * 1000,
    sendMs: server.sendTimeout * 1000,
  };
}

/** Ports tried when any will do, before the last one is taken whatever its UDP twin. */
const ANY_PORT_TRIES = 20;

/**
 * Binds TCP on `hostname:port`. With port 0 and a DHT to start, the number
 * the system gave must be free on UDP too (the DHT binds it next): one
 * taken there is let go and another asked for, rather than the start failing.
 */
function listenTcp(hostname: string, port: number, udpToo: boolean): Deno.TcpListener {
  for (let i = 0;; i++) {
    const listener = Deno.listen({ hostname, port });
    if (port !== 0 || !udpToo || i >= ANY_PORT_TRIES) return listener;
    try {
      Deno.listenDatagram({ transport: "udp", hostname, port: listener.addr.port }).close();
      return listener;
    } catch (error) {
      listener.close();
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
}
