/**
 * KRPC transactions over one datagram socket: a query goes out with a random
 * transaction id, is sent again with the same id 2 s (a lookup's: at its
 * stale mark, a few round trips) and then 4 s later, and after 8 s more
 * the node counts as unreachable; any answer
 * from the same address and port settles it, duplicates are ignored. Incoming queries are rate-limited per address and handed to the
 * node's handlers; replies never exceed the packet limit.
 *
 * @module
 */

import {
  LOOKUP_STALE_MAX_MS,
  LOOKUP_STALE_MIN_MS,
  MIN_BYTES_FOR_ERROR_REPLY,
  RETRANSMIT_AFTER_MS,
  RTT_MIN_SAMPLES,
  RTT_SAMPLES,
  STALE_RTT_FACTOR,
} from "./constants.ts";
import type { Clock, TimerId } from "../util/clock.ts";
import { QueryTimeoutError, RemoteError } from "./errors.ts";
import {
  decodeMessage,
  encodeMessage,
  encodeWithin,
  errorFor,
  KrpcDecodeError,
} from "./krpc/codec.ts";
import type { Endpoint } from "./krpc/compact.ts";
import type { Query, QueryArgs, QueryMethod, ResponseBody } from "./krpc/messages.ts";
import { idToHex } from "./node_id.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { DatagramSocket } from "./socket.ts";
import type { DhtCounters } from "./stats.ts";

/** An answered query. */
export interface Answer {
  readonly from: Endpoint;
  readonly body: ResponseBody;
  /** Our address as the responder saw it (BEP 42 `ip`). */
  readonly ip?: Endpoint;
  /** The responder's client and version (`v`), when it sent one. */
  readonly client?: Uint8Array;
}

/** What a handler returns for a query: a response body or a KRPC error. */
export type HandlerResult = ResponseBody | { error: number; message: string };

/** Answers incoming queries. */
export type QueryHandler = (query: Query, from: Endpoint) => HandlerResult;

interface Pending {
  readonly method: string;
  readonly to: Endpoint;
  readonly packet: Uint8Array;
  readonly sentAt: number;
  timer: TimerId;
  retransmitted: boolean;
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/** The transaction layer of a node. */
export class Rpc {
  #pending = new Map<string, Pending>();
  #running?: Promise<void>;
  #stopped = false;
  readonly #rtts = new Float64Array(RTT_SAMPLES);
  #rttCount = 0;
  #staleMs = LOOKUP_STALE_MAX_MS;
  /** BEP 43: our queries say we are read-only (other nodes then leave us out of their tables). */
  readOnly = false;

  constructor(
    private readonly socket: DatagramSocket,
    private readonly clock: Clock,
    private readonly counters: DhtCounters,
    private readonly limiter: RateLimiter,
    private readonly handler: QueryHandler,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Starts reading the socket. */
  start(): void {
    this.#running ??= this.#readLoop();
  }

  /** Stops: pending queries fail, the socket closes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const pending of [...this.#pending.values()]) {
      pending.reject(new QueryTimeoutError(pending.to, pending.method)); // also clears its timer
    }
    this.socket.close();
    await this.#running?.catch(() => {});
  }

  /** Queries in flight. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** How long a lookup waits on a query before it asks others: a few of our usual round trips. */
  staleAfterMs(): number {
    return this.#staleMs;
  }

  #recordRtt(ms: number): void {
    this.#rtts[this.#rttCount++ % RTT_SAMPLES] = ms;
    if (this.#rttCount < RTT_MIN_SAMPLES || this.#rttCount % 8 !== 0) return;
    const sorted = this.#rtts.slice(0, Math.min(this.#rttCount, RTT_SAMPLES)).sort();
    const p90 = sorted[Math.floor(0.9 * (sorted.length - 1))];
    this.#staleMs = Math.min(
      LOOKUP_STALE_MAX_MS,
      Math.max(LOOKUP_STALE_MIN_MS, STALE_RTT_FACTOR * p90),
    );
  }

  /** Sends a query and resolves with the answer; rejects with QueryTimeoutError or RemoteError. */
  query<M extends QueryMethod>(
    to: Endpoint,
    method: M,
    args: QueryArgs[M],
    signal?: AbortSignal,
    /** Send again after this long the first time (a lookup's stale mark), not after 2 s. */
    firstRetransmitMs?: number,
  ): Promise<Answer> {
    if (this.#stopped) return Promise.reject(new QueryTimeoutError(to, method));
    let tid: Uint8Array;
    let key: string;
    do {
      tid = crypto.getRandomValues(new Uint8Array(2));
      key = `${to.address}|${to.port}|${idToHex(tid)}`;
    } while (this.#pending.has(key));
    const packet = encodeMessage(
      { kind: "query", tid, method, args, readOnly: this.readOnly } as Query,
    );
    return new Promise<Answer>((resolve, reject) => {
      const onAbort = () => settle(() => reject(signal!.reason));
      const settle = (fn: () => void) => {
        const pending = this.#pending.get(key);
        if (!pending) return;
        this.clock.clearTimeout(pending.timer);
        this.#pending.delete(key);
        signal?.removeEventListener("abort", onAbort);
        fn();
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      let attempt = 0;
      const schedule = (): TimerId =>
        this.clock.setTimeout(() => {
          const pending = this.#pending.get(key);
          if (!pending) return;
          if (attempt < RETRANSMIT_AFTER_MS.length - 1) {
            attempt++;
            pending.retransmitted = true;
            this.counters.retransmissions++;
            this.#send(packet, to);
            pending.timer = schedule();
          } else {
            this.counters.countTimeout(method);
            settle(() => reject(new QueryTimeoutError(to, method)));
          }
        }, attempt === 0 && firstRetransmitMs ? firstRetransmitMs : RETRANSMIT_AFTER_MS[attempt]);
      this.#pending.set(key, {
        method,
        to,
        packet,
        sentAt: this.clock.now(),
        retransmitted: false,
        timer: schedule(),
        resolve: (answer) => settle(() => resolve(answer)),
        reject: (error) => settle(() => reject(error)),
      });
      this.counters.countQuerySent(method);
      this.#send(packet, to);
    });
  }

  #send(packet: Uint8Array, to: Endpoint): void {
    this.counters.packetsOut++;
    this.counters.bytesOut += packet.length;
    this.socket.send(packet, to).catch((error) => this.onError(error));
  }

  async #readLoop(): Promise<void> {
    try {
      for await (const { data, from } of this.socket.receive()) {
        if (this.#stopped) break;
        try {
          this.#receive(data, from);
        } catch (error) {
          this.counters.malformed++;
          this.onError(error);
        }
      }
    } catch (error) {
      if (!this.#stopped) this.onError(error);
    }
  }

  #receive(data: Uint8Array, from: Endpoint): void {
    this.counters.packetsIn++;
    this.counters.bytesIn += data.length;
    // Any size is read (bittorrent-dht answers with more than 4 KiB); we send at most 1,472.
    let message;
    try {
      message = decodeMessage(data);
    } catch (error) {
      this.counters.malformed++;
      if (
        error instanceof KrpcDecodeError && data.length >= MIN_BYTES_FOR_ERROR_REPLY &&
        this.limiter.allow(from.address)
      ) {
        const reply = errorFor(error);
        if (reply && reply.length <= data.length * 4) this.#send(reply, from);
      }
      return;
    }
    if (message.kind === "query") {
      this.counters.countQueryReceived(message.method);
      if (!this.limiter.allow(from.address)) {
        this.counters.rateLimited++;
        return;
      }
      const result = this.handler(message, from);
      const reply = "error" in result
        ? encodeMessage({
          kind: "error",
          tid: message.tid,
          code: result.error,
          message: result.message,
        })
        : encodeWithin({
          kind: "response",
          tid: message.tid,
          body: result as ResponseBody,
          ip: from,
        });
      this.#send(reply, from);
      return;
    }
    const pending = this.#pending.get(`${from.address}|${from.port}|${idToHex(message.tid)}`);
    if (!pending) {
      this.counters.unexpected++; // late duplicate, or an answer we never asked for
      return;
    }
    if (message.kind === "response") {
      this.counters.responsesReceived++;
      if (!pending.retransmitted) this.#recordRtt(this.clock.now() - pending.sentAt);
      pending.resolve({ from, body: message.body, ip: message.ip, client: message.client });
    } else {
      this.counters.errorsReceived++;
      pending.reject(new RemoteError(from, message.code, message.message));
    }
  }
}
