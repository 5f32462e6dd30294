/**
 * The mirror client: one HTTP request to an upstream mirror, with a deadline
 * for connecting, one for the response headers and an idle timeout on the
 * body (body_deadlines.ts), so a hung mirror can never hang apt. Requests go to one of the
 * host's addresses (the `Host` header keeps its name) and move to the next
 * when that one cannot connect or answers 5xx.
 *
 * fetch() does not say when it has connected, so the connect deadline is
 * kept by a probe: a plain TCP connection opened beside the request to an
 * address not heard from lately, closed as soon as it is up. A probe that
 * does not connect in time aborts the request, and the next address goes.
 *
 * @module
 */

import { DRAIN_MAX_BYTES, POOL_IDLE_MS } from "./constants.ts";
import { UpstreamError } from "./errors.ts";
import { bareHost, urlHost } from "../net/mod.ts";
import { type MirrorOutcome, requestHeadBytes, responseHeadBytes } from "../stats/mod.ts";
import { type MinimumRate, withBodyDeadlines } from "./body_deadlines.ts";
import { HostSlots, type ReleaseSlot } from "./host_slots.ts";
import { REDIRECT_STATUSES, refusedRedirect, scopesOf } from "./redirects.ts";
import type { MirrorAddresses } from "./mirror_addresses.ts";

/** Timeouts and identity of the client. */
export interface MirrorClientOptions {
  /** Milliseconds for connecting and receiving the response headers. */
  readonly responseTimeoutMs: number;
  /** Milliseconds for a TCP connection to come up (shorter than the response timeout to matter). */
  readonly connectTimeoutMs?: number;
  /** Milliseconds without a body byte before the transfer is abandoned. */
  readonly idleTimeoutMs: number;
  /** Sent as `User-Agent`. */
  readonly userAgent: string;
  /** Sent as `Via`, so a request that loops back to this daemon is recognised. */
  readonly via: string;
  /** Connections at once per host (host:port); further requests queue. Unlimited when absent. */
  readonly maxConnectionsPerHost?: number;
  /** Resolves host names and picks the address to use; the system resolver when absent. */
  readonly addresses?: MirrorAddresses;
  /** Told of the bytes each request and response carried, heads and bodies ("out" is sent). */
  readonly onWire?: (direction: "in" | "out", bytes: number) => void;
  /**
   * Told what each request to a host came to (per address tried and per
   * redirect hop): its status or its failure, its body's bytes, a body cut
   * short. What the caller cancelled is no failure.
   */
  readonly onOutcome?: (url: string, outcome: MirrorOutcome) => void;
  /**
   * Redirects followed per request, each checked (redirects.ts); none when
   * absent: the 3xx itself is the answer, as peers' must be.
   */
  readonly maxRedirects?: number;
  /** The slowest a body may come, on average, once its grace is over; no floor when absent. */
  readonly minRate?: MinimumRate;
  /** PEM certificates https servers may chain to, besides the runtime's (trusted_roots.ts). */
  readonly caCerts?: readonly string[];
}

/** One request to a mirror. */
export interface UpstreamRequest {
  readonly url: string;
  readonly method?: "GET" | "HEAD";
  /** Validators of a cached copy: asks for 304 when unchanged. */
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  /** Resume: ask for bytes from this offset, only if the file is still `ifRange`. */
  readonly rangeFrom?: number;
  /** With rangeFrom: the last byte wanted (inclusive); open-ended when absent. */
  readonly rangeTo?: number;
  readonly ifRange?: string;
  readonly signal?: AbortSignal;
  /** Addresses of the host not to use (they already failed this download). */
  readonly avoid?: ReadonlySet<string>;
}

/** A response whose body (if read) enforces the idle timeout. */
export interface UpstreamResponse {
  readonly url: string;
  /** The address the request went to, when the daemon chose it. */
  readonly address?: string;
  readonly status: number;
  readonly headers: Headers;
  /** The body with the idle timeout applied; null for HEAD and bodiless statuses. */
  readonly body: ReadableStream<Uint8Array> | null;
  /** Stops the transfer and frees the connection. */
  cancel(): void;
}

/** Sends requests to mirrors, at most `maxConnectionsPerHost` at once per host. */
export class MirrorClient {
  readonly slots: HostSlots | undefined;
  /** Lets a request to an address carry the host's name in `Host`. */
  readonly #http: Deno.HttpClient;
  /** When each `host:port` last answered: its connections may still be pooled, no probe needed. */
  readonly #answered = new Map<string, number>();

  private readonly options: MirrorClientOptions;

  constructor(options: MirrorClientOptions, private readonly fetchImpl: typeof fetch = fetch) {
    if (options.maxConnectionsPerHost) this.slots = new HostSlots(options.maxConnectionsPerHost);
    this.#http = Deno.createHttpClient({
      allowHost: true,
      poolIdleTimeout: POOL_IDLE_MS,
      ...(options.caCerts?.length ? { caCerts: [...options.caCerts] } : {}),
    });
    // The client holds the roots now; the PEM text (the whole system bundle) need not stay.
    this.options = { ...options, caCerts: undefined };
  }

  /** Closes idle connections (shutdown). */
  close(): void {
    this.#http.close();
  }

  /** Whether the host of `url` has an address not in `avoid` (cheap: the answer is cached). */
  async hasOtherAddress(url: string, avoid: ReadonlySet<string>): Promise<boolean> {
    const addresses = await this.#addressesFor(new URL(url));
    return addresses.some((a) => !avoid.has(a));
  }

  /** The request to `url` at `address` went wrong (404 for a listed file, wrong bytes). */
  addressFailed(url: string, address: string): void {
    this.options.addresses?.failed(new URL(url).hostname, address);
  }

  async #addressesFor(url: URL): Promise<string[]> {
    // TLS would need the name for the certificate: https goes by name, resolved by the system.
    if (!this.options.addresses || url.protocol !== "http:") return [];
    return await this.options.addresses.addressesOf(url.hostname);
  }

  /**
   * Sends `request` once a connection to its host is free; throws
   * {@link UpstreamError} when no response headers arrive in time. The
   * connection counts as busy until the body ends or is cancelled.
   */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const host = new URL(request.url).host;
    let release: ReleaseSlot = () => {};
    if (this.slots) {
      try {
        release = await this.slots.acquire(host, request.signal);
      } catch (error) {
        throw new UpstreamError(request.url, "cancelled", `gave up waiting: ${error}`);
      }
    }
    try {
      const response = await this.#follow(request, release);
      if (!response.body) release();
      return response;
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Sends `request`, then follows the redirects it may (see redirects.ts). */
  async #follow(request: UpstreamRequest, release: ReleaseSlot): Promise<UpstreamResponse> {
    const max = this.options.maxRedirects ?? 0;
    let url = new URL(request.url);
    for (let hop = 0;; hop++) {
      // A redirect's own body ends on its own time: only the final answer frees the slot.
      const hopState = { final: false };
      const response = await this.#sendToSomeAddress(
        hop ? { ...request, url: url.href, avoid: undefined } : request,
        () => hopState.final && release(),
      );
      const location = response.headers.get("location");
      if (max === 0 || !REDIRECT_STATUSES.has(response.status) || location === null) {
        hopState.final = true;
        // Named by what was asked; the address is another host's, so it must not count
        // against the first host's addresses (a failure there would never change the outcome).
        return hop ? { ...response, url: request.url, address: undefined } : response;
      }
      response.cancel();
      if (hop >= max) throw new UpstreamError(request.url, "status", `more than ${max} redirects`);
      let to: URL;
      try {
        to = new URL(location, url);
      } catch {
        throw new UpstreamError(request.url, "status", `redirect to a bad URL ${location}`);
      }
      const from = scopesOf(
        url.hostname,
        response.address ? [response.address] : await this.#where(url),
      );
      const refused = refusedRedirect(url, from, to, scopesOf(to.hostname, await this.#where(to)));
      if (refused) {
        throw new UpstreamError(request.url, "status", `redirect refused: ${refused}`);
      }
      url = to;
    }
  }

  /** The addresses a request to `url` may go to, for checking a redirect (our resolver's). */
  async #where(url: URL): Promise<string[]> {
    return await this.options.addresses?.addressesOf(url.hostname) ?? [];
  }

  /** Tries the host's addresses in turn until one connects and answers below 500. */
  async #sendToSomeAddress(
    request: UpstreamRequest,
    release: ReleaseSlot,
  ): Promise<UpstreamResponse> {
    const url = new URL(request.url);
    const all = await this.#addressesFor(url);
    if (all.length === 0) return await this.#send(request, release);
    const candidates = all.filter((a) => !request.avoid?.has(a));
    if (candidates.length === 0) {
      throw new UpstreamError(request.url, "connect", `every address of ${url.hostname} failed`);
    }
    let lastError: unknown;
    for (const [i, address] of candidates.entries()) {
      const last = i === candidates.length - 1;
      // Only the response returned holds the slot: a 5xx drained meanwhile must not free it.
      const attempt = { kept: false };
      try {
        const response = await this.#send(request, () => attempt.kept && release(), address);
        if (response.status < 500 || last) {
          attempt.kept = true;
          return response;
        }
        response.cancel();
      } catch (error) {
        if (request.signal?.aborted || last) throw error;
        lastError = error;
      }
      this.options.addresses!.failed(url.hostname, address);
    }
    throw lastError;
  }

  /** Keeps the connect deadline for a request to `endpoint` (see the module comment). */
  #probe(endpoint: URL, hostPort: string, controller: AbortController, url: string): Probe {
    const timeoutMs = this.options.connectTimeoutMs;
    const answered = this.#answered.get(hostPort);
    const pooled = answered !== undefined && performance.now() - answered < POOL_IDLE_MS;
    if (!timeoutMs || timeoutMs >= this.options.responseTimeoutMs || pooled) {
      return { stop() {} };
    }
    if (this.#answered.size > 1024) this.#answered.clear();
    return connectProbe(endpoint, timeoutMs, () =>
      controller.abort(
        new UpstreamError(url, "connect", `no connection to ${hostPort} in ${timeoutMs} ms`),
      ));
  }

  async #send(
    request: UpstreamRequest,
    release: ReleaseSlot,
    address?: string,
  ): Promise<UpstreamResponse> {
    // Aborted with its own reason by the headers deadline, the connect probe and cancel();
    // the request goes by that or the caller's signal, whichever aborts first.
    const controller = new AbortController();
    const signal = request.signal
      ? AbortSignal.any([controller.signal, request.signal])
      : controller.signal;
    const headers = new Headers({
      "user-agent": this.options.userAgent,
      "accept-encoding": "identity", // the bytes must be the file's bytes, for hashing
      via: this.options.via,
    });
    if (request.ifNoneMatch) headers.set("if-none-match", request.ifNoneMatch);
    if (request.ifModifiedSince) headers.set("if-modified-since", request.ifModifiedSince);
    if (request.rangeFrom !== undefined) {
      headers.set("range", `bytes=${request.rangeFrom}-${request.rangeTo ?? ""}`);
      if (request.ifRange) headers.set("if-range", request.ifRange);
    }
    // A timer, not AbortSignal.timeout(): the deadline is for the headers, the body may take longer.
    const timer = setTimeout(
      () => controller.abort(new UpstreamError(request.url, "timeout", "no response in time")),
      this.options.responseTimeoutMs,
    );
    let target = request.url;
    if (address) {
      const url = new URL(request.url);
      headers.set("host", url.host);
      url.hostname = urlHost(address);
      target = url.href;
    }
    const endpoint = new URL(target);
    const hostPort = endpoint.host;
    const probing = this.#probe(endpoint, hostPort, controller, request.url);
    const method = request.method ?? "GET";
    const report = (outcome: MirrorOutcome) => this.options.onOutcome?.(request.url, outcome);
    let response: Response;
    try {
      response = await this.fetchImpl(target, {
        method,
        headers,
        signal,
        redirect: "manual", // followed by #follow, each hop checked
        client: this.#http,
      });
    } catch (error) {
      const reason = signal.reason;
      const failure = reason instanceof UpstreamError
        ? reason
        : new UpstreamError(request.url, "connect", fetchFailure(error));
      if (failure.failure !== "cancelled" && !request.signal?.aborted) {
        report({ kind: "failed", reason: failure.message });
      }
      throw failure;
    } finally {
      clearTimeout(timer);
      probing.stop();
    }
    this.#answered.set(hostPort, performance.now());
    report({ kind: "answered", status: response.status });
    // Counted once answered: a request that never connected carried nothing.
    this.options.onWire?.("out", requestHeadBytes(method, target, headers));
    this.options.onWire?.(
      "in",
      responseHeadBytes(response.status, response.statusText, response.headers),
    );
    const abort = () => {
      release();
      controller.abort(new UpstreamError(request.url, "cancelled", "transfer cancelled"));
    };
    let received = 0;
    const body = response.body
      ? withBodyDeadlines(response.body, {
        idleMs: this.options.idleTimeoutMs,
        minRate: this.options.minRate,
        url: request.url,
        cancel: abort,
        signal: request.signal,
        onEnd: release,
        onBytes: (bytes) => {
          received += bytes;
          this.options.onWire?.("in", bytes);
          report({ kind: "bytes", bytes });
        },
        onFailed: (error) => report({ kind: "body_failed", reason: error.message }),
      })
      : null;
    const length = Number(response.headers.get("content-length") ?? NaN);
    const cancel = () => {
      if (body && received === 0 && !body.locked && length <= DRAIN_MAX_BYTES) {
        // A short body (an error page) is on its way anyway: read it to its end, so the
        // connection stays reusable and its bytes are counted, rather than cut it off.
        body.pipeTo(new WritableStream()).catch(() => {});
        return;
      }
      abort();
    };
    return {
      url: request.url,
      address,
      status: response.status,
      headers: response.headers,
      body,
      cancel,
    };
  }
}

/**
 * What a failed fetch() says, with its cause: fetch's own message is only
 * "fetch failed", the cause says why (refused, or `invalid peer
 * certificate: UnknownIssuer`, which an admin of an https mirror must see).
 */
function fetchFailure(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const cause = (error as Error)?.cause;
  // The URL is in the UpstreamError's message already: not again in the cause's.
  const why = (cause instanceof Error ? cause.message : cause ? String(cause) : "")
    .replace(/^error sending request for url \([^)]*\): /, "");
  return why && !message.includes(why) ? `${message}: ${why}` : message;
}

/** A connect probe in progress; `stop` ends it (the request got its answer or failed). */
interface Probe {
  stop(): void;
}

/**
 * Opens a TCP connection to `endpoint` beside a request, unless the address
 * answered within the pool's idle time; aborts the request when it does not
 * connect within the connect timeout.
 */
function connectProbe(
  endpoint: URL,
  timeoutMs: number,
  onTimeout: () => void,
): Probe {
  const port = Number(endpoint.port || (endpoint.protocol === "https:" ? 443 : 80));
  const hostname = bareHost(endpoint.hostname);
  let done = false;
  const timer = setTimeout(() => {
    if (!done) onTimeout();
    done = true;
  }, timeoutMs);
  Deno.connect({ hostname, port }).then((conn) => {
    conn.close();
    done = true;
    clearTimeout(timer);
  }, () => {
    // Refused or unreachable: the request fails on its own with the real reason.
    done = true;
    clearTimeout(timer);
  });
  return {
    stop() {
      done = true;
      clearTimeout(timer);
    },
  };
}
