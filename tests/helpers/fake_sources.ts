/**
 * Sources for the transfer engine without a network: a client that answers
 * from handlers per URL (and records every request), a disk that fills up,
 * and a log that keeps its lines. Used to build a Download directly.
 */

import type { CacheStore, PartialFile } from "../../src/cache/mod.ts";
import { UpstreamError, type UpstreamResponse } from "../../src/fetch/mod.ts";
import type { UpstreamRequest } from "../../src/fetch/mirror_client.ts";
import { Logger } from "../../src/log/mod.ts";
import type { TransferClient } from "../../src/transfer/download_request.ts";

/** What a handler answers: a status, headers, and a body (bytes or a stream). */
export interface FakeAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | ReadableStream<Uint8Array>;
  /** The address the request went to (a mirror with several). */
  readonly address?: string;
}

export type FakeHandler = (request: UpstreamRequest) => FakeAnswer | Promise<FakeAnswer>;

/** A client whose answers come from `handlers` by URL; unknown URLs fail to connect. */
export class FakeClient implements TransferClient {
  readonly requests: UpstreamRequest[] = [];
  readonly failedAddresses: string[] = [];
  /** Per URL, the addresses its host has. */
  readonly addresses = new Map<string, string[]>();

  constructor(readonly handlers: Map<string, FakeHandler> = new Map()) {}

  on(url: string, handler: FakeHandler): this {
    this.handlers.set(url, handler);
    return this;
  }

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    // A copy: the download goes on adding to the set of addresses to avoid.
    this.requests.push({ ...request, avoid: request.avoid && new Set(request.avoid) });
    const handler = this.handlers.get(request.url);
    if (!handler) throw new UpstreamError(request.url, "connect", "connection refused");
    const answer = await handler(request);
    const body = answer.body instanceof Uint8Array ? bytesStream(answer.body) : answer.body;
    return {
      url: request.url,
      address: answer.address,
      status: answer.status,
      headers: new Headers(answer.headers ?? {}),
      body: request.method === "HEAD" ? null : body ?? null,
      cancel: () => void body?.cancel().catch(() => {}),
    };
  }

  addressFailed(url: string, address: string): void {
    this.failedAddresses.push(`${url} ${address}`);
  }

  hasOtherAddress(url: string, avoid: ReadonlySet<string>): Promise<boolean> {
    return Promise.resolve((this.addresses.get(url) ?? []).some((a) => !avoid.has(a)));
  }

  /** The requests made, as `METHOD url [from-to]`, in order. */
  get log(): string[] {
    return this.requests.map((r) =>
      `${r.method ?? "GET"} ${r.url}${
        r.rangeFrom !== undefined ? ` ${r.rangeFrom}-${r.rangeTo ?? ""}` : ""
      }`
    );
  }
}

/** A whole-file 200 of `bytes`. */
export function ok(bytes: Uint8Array, headers: Record<string, string> = {}): FakeAnswer {
  return {
    status: 200,
    headers: { "content-length": String(bytes.length), ...headers },
    body: bytes,
  };
}

/** The answer to a range request for `bytes`, as a server honouring it would give. */
export function ranged(bytes: Uint8Array, request: UpstreamRequest): FakeAnswer {
  const from = request.rangeFrom ?? 0;
  const to = Math.min(request.rangeTo ?? bytes.length - 1, bytes.length - 1);
  if (request.rangeFrom === undefined) return ok(bytes);
  return {
    status: 206,
    headers: {
      "content-length": String(to - from + 1),
      "content-range": `bytes ${from}-${to}/${bytes.length}`,
    },
    body: bytes.slice(from, to + 1),
  };
}

/** A stream of `bytes` in chunks of `chunk`. */
export function bytesStream(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  }, { highWaterMark: 0 });
}

/**
 * A body that sends `bytes`, then, once `cut` resolves, breaks off as a
 * dropped connection does.
 */
export function cutOff(bytes: Uint8Array, cut: Promise<unknown>): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!sent) {
        sent = true;
        return controller.enqueue(bytes);
      }
      await cut;
      controller.error(new UpstreamError("fake", "interrupted", "connection reset"));
    },
  }, { highWaterMark: 0 });
}

/** Deterministic bytes (distinct per seed). */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * The cache's temp files on a disk that has `budget` bytes left: writes past
 * it fail as ENOSPC does.
 */
export function fillingDisk<T extends Pick<CacheStore, "createPartial">>(
  cache: T,
  budget: number,
): T {
  let left = budget;
  return new Proxy(cache, {
    get(target, name, receiver) {
      if (name !== "createPartial") return Reflect.get(target, name, receiver);
      return async (): Promise<PartialFile> => {
        const partial = await target.createPartial();
        const real = partial.file;
        const file = new Proxy(real, {
          get(fileTarget, fileName) {
            if (fileName === "write") {
              return (data: Uint8Array) => {
                if (data.byteLength > left) {
                  return Promise.reject(
                    Object.assign(new Error("No space left on device (os error 28)"), {
                      code: "ENOSPC",
                    }),
                  );
                }
                left -= data.byteLength;
                return fileTarget.write(data);
              };
            }
            const value = Reflect.get(fileTarget, fileName);
            return typeof value === "function" ? value.bind(fileTarget) : value;
          },
        });
        return { path: partial.path, file };
      };
    },
  });
}

/** A logger that keeps its lines' event names. */
export function recordingLog(): { log: Logger; events: string[] } {
  const events: string[] = [];
  // Lines are `<time> <LEVEL> <event> key=value…`.
  const log = new Logger("debug", (line) => events.push(line.split(" ")[2]));
  return { log, events };
}

/** Reads a stream whole. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
