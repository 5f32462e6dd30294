/**
 * One client connection: reads request heads (several, pipelined or kept
 * alive), hands each to the handler and sends its response, in order. It
 * keeps a deadline that the server's sweep enforces: the head must be
 * complete within the header timeout of the connection (or of its first
 * byte, on a kept-alive connection), a kept-alive connection with nothing
 * to do lasts the idle timeout, and a write that the client does not take
 * lasts the send timeout. While the handler waits for peers or the mirror,
 * there is no deadline: that wait is not the client's doing.
 *
 * @module
 */

import { MAX_HEAD_BYTES, READ_BUFFER_BYTES } from "./constants.ts";
import {
  headEnd,
  type HeadError,
  isHeadError,
  leadingBlankLines,
  parseRequestHead,
} from "./request_head.ts";
import { requestOf } from "./request_object.ts";
import { sendResponse, type Sink } from "./response_writer.ts";

/** The three timeouts, in milliseconds. */
export interface Timeouts {
  readonly headerMs: number;
  readonly idleMs: number;
  readonly sendMs: number;
}

/** Why the server closed a connection before the client did. */
export type ClosedBecause = "header_timeout" | "idle_timeout" | "send_timeout" | "bad_request";

/** What a connection needs from its server. */
export interface ConnectionContext {
  readonly handler: (
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ) => Response | Promise<Response>;
  /** The answer when the handler throws. */
  readonly onError: (error: unknown) => Response;
  /** Read at each deadline set: a reload reaches the next one. */
  timeouts: Timeouts;
  /** Set when the server is stopping: no further request is read. */
  readonly stopping: () => boolean;
  /** Counts a connection the server closed, and why. */
  readonly closed: (because: ClosedBecause) => void;
}

type Phase = "waiting" | "head" | "handling" | "sending";

const encoder = new TextEncoder();

/** Serves one connection until either side ends it. */
export class Connection {
  #phase: Phase = "waiting";
  #deadline: number;
  #closed = false;
  #buffer = new Uint8Array(READ_BUFFER_BYTES);
  #start = 0;
  #end = 0;
  /** Whether a response went out on this connection already. */
  #kept = false;

  constructor(
    private readonly conn: Deno.TcpConn,
    private readonly context: ConnectionContext,
  ) {
    this.#deadline = performance.now() + context.timeouts.headerMs;
  }

  /** Between requests, with nothing of the next one received: may be closed at once on stop. */
  get waiting(): boolean {
    return this.#phase === "waiting" && this.#start === this.#end;
  }

  /** Closes the connection if its deadline passed at `now`. */
  expire(now: number): void {
    if (now < this.#deadline || this.#closed) return;
    const because: ClosedBecause = this.#phase === "sending"
      ? "send_timeout"
      : this.#phase === "waiting" && this.#kept
      ? "idle_timeout"
      : "header_timeout";
    this.context.closed(because);
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Serves requests until the connection ends; never throws. */
  async serve(): Promise<void> {
    try {
      this.conn.setNoDelay(true);
      while (!this.#closed) {
        const head = await this.#readHead();
        if (head === undefined) return;
        if (isHeadError(head)) return await this.#refuse(head);
        if (!await this.#exchange(head)) return;
      }
    } catch {
      // The client went away, or a timeout closed the connection: nothing to answer.
    } finally {
      this.close();
    }
  }

  /** Reads up to the end of the next head; undefined when the client closed first. */
  async #readHead(): Promise<ReturnType<typeof parseRequestHead> | undefined> {
    let scanned = this.#start;
    while (true) {
      const blank = leadingBlankLines(this.#buffer, this.#start, this.#end);
      this.#start += blank;
      scanned = Math.max(scanned, this.#start);
      const end = headEnd(this.#buffer, this.#start, this.#end, scanned);
      if (end >= 0) {
        const bytes = this.#buffer.subarray(this.#start, end);
        this.#start = end;
        return parseRequestHead(bytes);
      }
      scanned = Math.max(this.#start, this.#end - 3);
      if (this.#end - this.#start > MAX_HEAD_BYTES) {
        return { status: 431, reason: "request head too large" };
      }
      if (this.context.stopping() && this.waiting) return undefined;
      scanned -= this.#makeRoom();
      const n = await this.conn.read(this.#buffer.subarray(this.#end));
      if (n === null) return undefined;
      if (this.#phase === "waiting") {
        this.#phase = "head";
        // On a kept-alive connection the head's clock starts with its first byte.
        if (this.#kept) this.#deadline = performance.now() + this.context.timeouts.headerMs;
      }
      this.#end += n;
    }
  }

  /**
   * Room to read into: what is left moves to the front, and the buffer
   * grows for a long head. Returns by how much positions moved.
   */
  #makeRoom(): number {
    if (this.#end < this.#buffer.length) return 0;
    const moved = this.#start;
    const left = this.#end - this.#start;
    if (left * 2 > this.#buffer.length) {
      const grown = new Uint8Array(
        Math.min(this.#buffer.length * 2, MAX_HEAD_BYTES + READ_BUFFER_BYTES),
      );
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
    } else {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    }
    this.#start = 0;
    this.#end = left;
    return moved;
  }

  /** One request and its response; whether the connection carries on. */
  async #exchange(head: Exclude<ReturnType<typeof parseRequestHead>, HeadError>): Promise<boolean> {
    if (head.hasBody) {
      await this.#refuse({ status: 400, reason: "request bodies are not accepted" });
      return false;
    }
    const request = requestOf(head, this.conn.localAddr.port);
    if (!request) {
      await this.#refuse({ status: 400, reason: "malformed Host or request target" });
      return false;
    }
    this.#phase = "handling";
    this.#deadline = Infinity;
    const completed = Promise.withResolvers<void>();
    completed.promise.catch(() => {}); // a handler need not watch it
    let response: Response;
    try {
      response = await this.context.handler(request, {
        remoteAddr: this.conn.remoteAddr,
        completed: completed.promise,
      });
    } catch (error) {
      response = this.context.onError(error);
    }
    const keepAlive = head.keepAlive && !this.context.stopping();
    try {
      const carryOn = await sendResponse(
        this.#sink,
        response,
        head.version,
        head.method === "HEAD",
        keepAlive,
      );
      completed.resolve();
      this.#kept = true;
      this.#phase = "waiting";
      this.#deadline = performance.now() + this.context.timeouts.idleMs;
      return carryOn;
    } catch (error) {
      completed.reject(new Deno.errors.Interrupted(`response not sent: ${error}`));
      return false;
    }
  }

  /** Writes all of `bytes`, the send deadline running while the kernel does not take them. */
  readonly #sink: Sink = {
    write: async (bytes) => {
      const { sendMs } = this.context.timeouts;
      this.#phase = "sending";
      let written = 0;
      while (written < bytes.length) {
        this.#deadline = performance.now() + sendMs;
        written += await this.conn.write(written ? bytes.subarray(written) : bytes);
      }
      this.#phase = "handling";
      this.#deadline = Infinity;
    },
  };

  /** Answers a head that cannot be served, then the connection closes. */
  async #refuse(error: HeadError): Promise<void> {
    this.context.closed("bad_request");
    const body = encoder.encode(error.reason + "\n");
    await sendResponse(
      this.#sink,
      new Response(body, {
        status: error.status,
        headers: {
          "content-type": "text/plain; charset=utf-8",
          "content-length": String(body.length),
        },
      }),
      "HTTP/1.1",
      false,
      false,
    );
  }
}
