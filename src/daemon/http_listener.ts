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

/** `Deno.serve` around the front. */
export class HttpListener implements Component {
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;

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
    const { config, front, listen, log } = this.deps;
    const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
    this.#server = Deno.serve({
      hostname: config.server.listen,
      port: config.server.port,
      onListen: resolve,
      onError: (error) => {
        log.error("http.handler_error", { error });
        return new Response("internal error\n", { status: 500 });
      },
    }, front.handle);
    listen.bound((await listening).port);
  }

  async drain(graceMs: number): Promise<void> {
    const { pipeline, log } = this.deps;
    const shutdown = this.#server!.shutdown();
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
  }
}
