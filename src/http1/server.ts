/**
 * An HTTP/1.1 server on `Deno.listen`, in place of `Deno.serve`, which
 * cannot close a slow or idle connection (denoland/deno#3515) nor refuse
 * one before reading it. It admits each connection through the caller's
 * caps, serves it (`connection.ts`), and enforces every connection's
 * deadline from one sweep. The handler has `Deno.serve`'s shape.
 *
 * @module
 */

import {
  type ClosedBecause,
  Connection,
  type ConnectionContext,
  type Timeouts,
} from "./connection.ts";
import { SWEEP_MAX_MS } from "./constants.ts";

/** How the server is run. */
export interface Http1Options {
  readonly handler: ConnectionContext["handler"];
  readonly onError: ConnectionContext["onError"];
  readonly timeouts: Timeouts;
  /**
   * Admits a connection from `address`: its release, to call when it ends,
   * or undefined to close it at once (over a cap).
   */
  readonly admit?: (address: string) => (() => void) | undefined;
  /** Counts a connection the server closed, and why. */
  readonly closed?: (because: ClosedBecause) => void;
  /** Accepting failed (no descriptor left, say); the server tries again shortly. */
  readonly acceptFailed?: (error: unknown) => void;
}

/** First and longest pause before accepting again after accepting failed. */
const ACCEPT_RETRY_FIRST_MS = 10;
const ACCEPT_RETRY_MAX_MS = 1_000;

/** Serves `listener` until `shutdown`. */
export class Http1Server {
  readonly #connections = new Set<Connection>();
  #sweep: ReturnType<typeof setInterval> | undefined;
  #stopping = false;
  readonly #accepting: Promise<void>;
  readonly #context: ConnectionContext;
  readonly #allGone = Promise.withResolvers<void>();

  constructor(private readonly listener: Deno.TcpListener, private readonly options: Http1Options) {
    this.#context = {
      handler: options.handler,
      onError: options.onError,
      timeouts: options.timeouts,
      stopping: () => this.#stopping,
      closed: options.closed ?? (() => {}),
    };
    this.#startSweep();
    this.#accepting = this.#accept();
  }

  /**
   * New timeouts (a config reload): each connection takes them at its next
   * deadline (its next request, response or write).
   */
  setTimeouts(timeouts: Timeouts): void {
    this.#context.timeouts = timeouts;
    if (!this.#stopping) this.#startSweep();
  }

  /** One sweep closes what passed its deadline, every quarter of the shortest timeout. */
  #startSweep(): void {
    clearInterval(this.#sweep);
    const { headerMs, idleMs, sendMs } = this.#context.timeouts;
    const tick = Math.max(10, Math.min(SWEEP_MAX_MS, Math.min(headerMs, idleMs, sendMs) / 4));
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const connection of this.#connections) connection.expire(now);
    }, tick);
  }

  /** The listening address. */
  get addr(): Deno.NetAddr {
    return this.listener.addr;
  }

  /** Connections open now. */
  get open(): number {
    return this.#connections.size;
  }

  async #accept(): Promise<void> {
    let retryMs = ACCEPT_RETRY_FIRST_MS;
    while (!this.#stopping) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.listener.accept();
      } catch (error) {
        if (this.#stopping) return;
        this.options.acceptFailed?.(error);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(ACCEPT_RETRY_MAX_MS, retryMs * 2);
        continue;
      }
      retryMs = ACCEPT_RETRY_FIRST_MS;
      const release = this.options.admit ? this.options.admit(conn.remoteAddr.hostname) : () => {};
      if (!release) {
        try {
          conn.close();
        } catch { /* gone already */ }
        continue;
      }
      const connection = new Connection(conn, this.#context);
      this.#connections.add(connection);
      connection.serve().finally(() => {
        this.#connections.delete(connection);
        release();
        if (this.#stopping && this.#connections.size === 0) this.#allGone.resolve();
      });
    }
  }

  /**
   * Stops accepting, closes the connections that wait for a request, and
   * resolves once the responses in progress have gone out.
   */
  async shutdown(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      try {
        this.listener.close();
      } catch { /* closed */ }
      for (const connection of this.#connections) {
        if (connection.waiting) connection.close();
      }
      if (this.#connections.size === 0) this.#allGone.resolve();
    }
    await this.#accepting;
    await this.#allGone.promise;
    clearInterval(this.#sweep);
  }

  /** Closes every connection at once (after the grace period). */
  closeAll(): void {
    for (const connection of this.#connections) connection.close();
  }
}
