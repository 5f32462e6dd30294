/**
 * The TCP listener: binds the port (the DHT then shares it), and at stop
 * stops accepting, gives transfers in flight a grace period, then cuts
 * the rest off without committing anything.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { AptPipeline, HttpFront } from "../server/mod.ts";
import type { Component } from "./lifecycle.ts";
import type { ListenPort } from "./listen_port.ts";
import { SpareDescriptor } from "./open_files.ts";

/** First and longest wait before listening again after the listener failed. */
const RELISTEN_FIRST_MS = 100;
const RELISTEN_MAX_MS = 5_000;

/**
 * `Deno.serve` around the front. When accepting fails (no descriptor left:
 * EMFILE), Deno.serve closes its listener and rejects `finished`; that
 * must not end the daemon. The listener is opened again on the same port,
 * with a spare descriptor given up to make room, after a backoff.
 */
export class HttpListener implements Component {
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #stopping = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #backoffMs = RELISTEN_FIRST_MS;
  readonly #spare = new SpareDescriptor();

  constructor(
    private readonly deps: {
      readonly config: Config;
      readonly front: HttpFront;
      /** Aborted when the grace period is over. */
      readonly pipeline: AptPipeline;
      readonly listen: ListenPort;
      readonly log: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const server = this.#serve(this.deps.config.server.port);
    this.deps.listen.bound((await server.listening).port);
  }

  /** Serves on `port`; resolves `listening` once bound. */
  #serve(port: number): { listening: Promise<Deno.NetAddr> } {
    const { config, front, log } = this.deps;
    const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
    const server = Deno.serve({
      hostname: config.server.listen,
      port,
      onListen: resolve,
      onError: (error) => {
        log.error("http.handler_error", { error });
        return new Response("internal error\n", { status: 500 });
      },
    }, front.handle);
    this.#server = server;
    server.finished.catch((error) => {
      if (this.#stopping || this.#server !== server) return;
      log.error("http.listener_failed", { error, retry_ms: this.#backoffMs });
      this.#spare.release();
      this.#listenLater();
    });
    return { listening };
  }

  #listenAgain(): void {
    if (this.#stopping) return;
    const port = this.deps.listen.port;
    try {
      this.#serve(port).listening.then(() => {
        this.#spare.take();
        this.deps.log.info("http.listening_again", { port });
        // Reset only after a while up: a listener failing again at once keeps backing off.
        setTimeout(() => this.#backoffMs = RELISTEN_FIRST_MS, RELISTEN_MAX_MS);
      });
    } catch (error) {
      // Could not even bind (no descriptor yet): try again later.
      this.deps.log.error("http.listen_failed", { error, retry_ms: this.#backoffMs });
      this.#listenLater();
    }
  }

  /** Listens again after the backoff, which doubles (up to RELISTEN_MAX_MS) each time. */
  #listenLater(): void {
    this.#retry = setTimeout(() => this.#listenAgain(), this.#backoffMs);
    this.#backoffMs = Math.min(RELISTEN_MAX_MS, this.#backoffMs * 2);
  }

  async drain(graceMs: number): Promise<void> {
    const { pipeline, log } = this.deps;
    this.#stopping = true;
    clearTimeout(this.#retry);
    const shutdown = this.#server!.shutdown().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), graceMs)
    );
    if (await Promise.race([shutdown.then(() => "done" as const), graceOver]) === "timeout") {
      log.warn("daemon.aborting_transfers", { downloads: pipeline.activeDownloads });
      pipeline.abortAll("daemon stopping");
    }
    clearTimeout(timer);
    await shutdown;
    this.#spare.release();
  }
}
