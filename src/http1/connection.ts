/**
 * One client connection: reads request heads (several, pipelined or kept
 * alive), hands each to the handler as soon as it is read (up to
 * PIPELINE_AHEAD at once: apt pipelines, and each request may wait on
 * peers or the mirror) and sends the responses in order. It keeps
 * deadlines that the server's sweep enforces: the first head must be
 * complete within the header timeout of the connection, each later one
 * within the header timeout of its first byte; a kept-alive connection
 * with nothing to do lasts the idle timeout, and a write that the client
 * does not take lasts the send timeout. While handlers wait for peers or
 * the mirror, there is no deadline: that wait is not the client's doing.
 *
 * @module
 */

import { MAX_HEAD_BYTES, PIPELINE_AHEAD, READ_BUFFER_BYTES } from "./constants.ts";
import {
  headEnd,
  type HeadError,
  isHeadError,
  leadingBlankLines,
  parseRequestHead,
} from "./request_head.ts";
import { requestOf } from "./request_object.ts";
import { sendResponse, type Sink } from "./response_writer.ts";
import { waitForChange } from "../util/change_signal.ts";
import { relay, tunnelOf } from "./tunnel.ts";

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

type Head = Exclude<ReturnType<typeof parseRequestHead>, HeadError>;

/** A request read and handed to the handler, its response not sent yet. */
interface Exchange {
  readonly head: Head;
  readonly response: Promise<Response>;
  readonly completed: PromiseWithResolvers<void>;
}

const encoder = new TextEncoder();

/** Serves one connection until either side ends it. */
export class Connection {
  /** When the head being read must be complete (Infinity: none is being read). */
  #headDeadline: number;
  /** When the write under way must have been taken (Infinity: none). */
  #sendDeadline = Infinity;
  /** In a tunnel: when the write under way to its far end must have been taken (Infinity: none). */
  #peerSendDeadline = Infinity;
  /** In a tunnel: its far end, closed with the connection (a write to it may be what hangs). */
  #tunnelPeer: { close(): void } | undefined;
  /** When a kept-alive connection with nothing to do closes (Infinity: it has something to do). */
  #idleDeadline = Infinity;
  #closed = false;
  #buffer = new Uint8Array(READ_BUFFER_BYTES);
  #start = 0;
  #end = 0;
  /** Requests read whose responses have not gone out, in order. */
  #queue: (Exchange | HeadError)[] = [];
  #changed = waitForChange();
  /** The reader stopped: no more requests will come on this connection. */
  #readerDone = false;

  constructor(
    private readonly conn: Deno.TcpConn,
    private readonly context: ConnectionContext,
  ) {
    this.#headDeadline = performance.now() + context.timeouts.headerMs;
  }

  /** Between requests, with nothing of the next one received: may be closed at once on stop. */
  get waiting(): boolean {
    return this.#queue.length === 0 && this.#start === this.#end &&
      this.#sendDeadline === Infinity;
  }

  /** Closes the connection if a deadline passed at `now`. */
  expire(now: number): void {
    if (this.#closed) return;
    const because: ClosedBecause | undefined =
      now >= this.#sendDeadline || now >= this.#peerSendDeadline
        ? "send_timeout"
        : now >= this.#headDeadline
        ? "header_timeout"
        : now >= this.#idleDeadline
        ? "idle_timeout"
        : undefined;
    if (!because) return;
    this.context.closed(because);
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#changed.notify();
    try {
      this.conn.close();
    } catch { /* already closed */ }
    try {
      this.#tunnelPeer?.close();
    } catch { /* already closed */ }
  }

  /**
   * Serves requests until the connection ends; never throws. Heads are read
   * while earlier responses are prepared and sent, and each is handed to
   * the handler at once, up to PIPELINE_AHEAD; responses go out in order.
   */
  async serve(): Promise<void> {
    let reading: Promise<void> | undefined;
    try {
      this.conn.setNoDelay(true);
      reading = this.#readAll();
      while (true) {
        const next = this.#queue[0];
        if (!next) {
          if (this.#closed || this.#readerDone) return;
          await this.#changed.wait();
          continue;
        }
        if (isHeadError(next)) return await this.#refuse(next);
        const carryOn = await this.#send(next);
        this.#queue.shift();
        this.#changed.notify();
        if (!carryOn) return;
      }
    } catch {
      // The client went away, or a timeout closed the connection: nothing to answer.
    } finally {
      this.close();
      await reading?.catch(() => {});
      this.#abandon();
    }
  }

  /** Reads heads and starts their handling, until the client ends, a head is bad or the last one came. */
  async #readAll(): Promise<void> {
    try {
      while (!this.#closed) {
        // A stopping server answers what it read and reads no further.
        if (this.context.stopping() && this.#queue.length) return;
        if (this.#queue.length >= PIPELINE_AHEAD) {
          // Not reading is our doing: a head begun in the buffer gets its time once we read again.
          this.#headDeadline = Infinity;
          await this.#changed.wait();
          continue;
        }
        const head = await this.#readHead();
        if (head === undefined || this.#closed) return;
        const exchange = isHeadError(head) ? head : this.#begin(head);
        this.#queue.push(exchange);
        this.#idleDeadline = Infinity;
        this.#changed.notify();
        // Nothing is read past a refused head, or past one whose response closes the connection
        // or makes it a tunnel (what follows a CONNECT is the tunnel's, not a head).
        if (isHeadError(exchange) || !exchange.head.keepAlive) return;
        if (exchange.head.method === "CONNECT") return;
      }
    } catch {
      // The client went away, or the connection closed.
    } finally {
      this.#readerDone = true;
      this.#changed.notify();
    }
  }

  /** Requests whose responses will not go out: their bodies are let go, their handlers told. */
  #abandon(): void {
    for (const exchange of this.#queue.splice(0)) {
      if (isHeadError(exchange)) continue;
      exchange.completed.reject(
        new Deno.errors.Interrupted("connection closed before the response"),
      );
      exchange.response.then((response) => response.body?.cancel().catch(() => {}), () => {});
    }
  }

  /** Reads up to the end of the next head; undefined when the client closed first. */
  async #readHead(): Promise<ReturnType<typeof parseRequestHead> | undefined> {
    let scanned = this.#start;
    while (true) {
      const blank = leadingBlankLines(this.#buffer, this.#start, this.#end);
      this.#start += blank;
      scanned = Math.max(scanned, this.#start);
      if (this.#start < this.#end) {
        // A head has begun (its first byte just came, or it waited behind pipelined ones):
        // its clock runs from now, and the connection is not idle.
        if (this.#headDeadline === Infinity) {
          this.#headDeadline = performance.now() + this.context.timeouts.headerMs;
        }
        this.#idleDeadline = Infinity;
      }
      const end = headEnd(this.#buffer, this.#start, this.#end, scanned);
      if (end >= 0) {
        const bytes = this.#buffer.subarray(this.#start, end);
        this.#start = end;
        this.#headDeadline = Infinity;
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

  /** Hands a head to the handler at once; a head that cannot be served is refused instead. */
  #begin(head: Head): Exchange | HeadError {
    if (head.hasBody) return { status: 400, reason: "request bodies are not accepted" };
    const request = requestOf(head, this.conn.localAddr.port);
    if (!request) return { status: 400, reason: "malformed Host or request target" };
    const completed = Promise.withResolvers<void>();
    completed.promise.catch(() => {}); // a handler need not watch it
    const response = (async () => {
      try {
        return await this.context.handler(request, {
          remoteAddr: this.conn.remoteAddr,
          completed: completed.promise,
        });
      } catch (error) {
        return this.context.onError(error);
      }
    })();
    return { head, response, completed };
  }

  /** Sends one response, once it is ready; whether the connection carries on. */
  async #send({ head, response, completed }: Exchange): Promise<boolean> {
    const ready = await response;
    if (this.#closed) throw new Deno.errors.Interrupted("connection closed");
    const tunnel = tunnelOf(ready);
    if (tunnel) return await this.#tunnel(tunnel, completed);
    // A refused CONNECT ends the connection: its reader stopped at that head.
    const keepAlive = head.keepAlive && !this.context.stopping() && head.method !== "CONNECT";
    try {
      const carryOn = await sendResponse(
        this.#sink,
        ready,
        head.version,
        head.method === "HEAD",
        keepAlive,
      );
      completed.resolve();
      // Nothing more to do and nothing of the next head yet: the idle clock runs.
      if (this.#queue.length <= 1 && this.#start === this.#end) {
        this.#idleDeadline = performance.now() + this.context.timeouts.idleMs;
      }
      return carryOn;
    } catch (error) {
      completed.reject(new Deno.errors.Interrupted(`response not sent: ${error}`));
      await ready.body?.cancel().catch(() => {});
      return false;
    }
  }

  /**
   * Says `200 Connection established` and relays until the tunnel ends; the
   * idle deadline runs whenever no byte moves, the send deadline on each
   * write either way. The connection ends with the tunnel.
   */
  async #tunnel(
    tunnel: NonNullable<ReturnType<typeof tunnelOf>>,
    completed: PromiseWithResolvers<void>,
  ): Promise<false> {
    const early = this.#buffer.slice(this.#start, this.#end);
    this.#start = this.#end;
    const touch = () => this.#idleDeadline = performance.now() + this.context.timeouts.idleMs;
    try {
      await this.#sink.write(encoder.encode("HTTP/1.1 200 Connection established\r\n\r\n"));
    } catch (error) {
      tunnel.peer.close();
      tunnel.options.onEnd?.();
      completed.reject(new Deno.errors.Interrupted(`tunnel not opened: ${error}`));
      return false;
    }
    touch();
    this.#tunnelPeer = tunnel.peer;
    if (this.#closed) tunnel.peer.close(); // a deadline passed while the head went out
    const { peer } = tunnel;
    await relay(this.conn, early, tunnel, {
      moved: touch,
      toClient: this.#sink.write,
      toPeer: (bytes) => this.#writeAll(peer, bytes, (at) => this.#peerSendDeadline = at),
    });
    completed.resolve();
    return false;
  }

  /**
   * Writes all of `bytes` to `to`, a send deadline (`setDeadline`) running
   * while the kernel does not take them: the client's for responses, and
   * in a tunnel the far end's too.
   */
  async #writeAll(
    to: Pick<Deno.Conn, "write">,
    bytes: Uint8Array,
    setDeadline: (at: number) => void,
  ): Promise<void> {
    const { sendMs } = this.context.timeouts;
    let written = 0;
    try {
      while (written < bytes.length) {
        setDeadline(performance.now() + sendMs);
        written += await to.write(written ? bytes.subarray(written) : bytes);
      }
    } finally {
      setDeadline(Infinity);
    }
  }

  /** Writes to the client under its send deadline. */
  readonly #sink: Sink = {
    write: (bytes) => this.#writeAll(this.conn, bytes, (at) => this.#sendDeadline = at),
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
