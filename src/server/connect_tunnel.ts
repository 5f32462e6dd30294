/**
 * Opening the far end of a `CONNECT` tunnel that access.ts let through:
 * the name is resolved the way apt would (the system resolver, so
 * /etc/hosts counts), every address it gave is judged (a name that points
 * into this machine or its LAN is refused, unless it is a configured
 * mirror), and the connection goes to a judged address, never to the name
 * again, so a second answer cannot slip past the check. Tunnels at once
 * are capped; bytes both ways are counted as pass-through, not as served.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { tunnelResponse } from "../http1/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { TrafficCounters } from "../stats/mod.ts";
import { textResponse } from "./http_response.ts";
import { refusedAddress, tunnelRefusal } from "./pass_through.ts";
import type { TunnelTarget } from "./request_target.ts";

/** What opening tunnels needs. */
export interface TunnelOpenerOptions {
  readonly counters: TrafficCounters;
  readonly log: Logger;
  /** Milliseconds for resolving the name and connecting (`upstream.connect_timeout`). */
  readonly connectTimeoutMs: number;
  /** Tunnels open at once; past it, 503. */
  readonly maxTunnels: number;
  /** Resolves a name to its addresses (the system resolver when absent). */
  readonly resolve?: (host: string) => Promise<string[]>;
}

/** Opens tunnels and knows how many are open. */
export class TunnelOpener {
  #open = 0;

  constructor(private readonly options: TunnelOpenerOptions) {}

  /** Tunnels open now. */
  get openNow(): number {
    return this.#open;
  }

  /**
   * The answer to an allowed `CONNECT`: a tunnel to the target, or a 403
   * (its name leads somewhere refused), 502 (no connection), 503 (too many
   * tunnels) or 504 (no connection in time).
   */
  async open(target: TunnelTarget, mirror: boolean, client: string): Promise<Response> {
    const { counters, log } = this.options;
    const where = `${target.host}:${target.port}`;
    const fail = (status: number, reason: string) => {
      counters.tunnel("failed");
      log.info("http.tunnel_refused", { client, target: where, status, reason });
      return textResponse(status, reason);
    };
    if (this.#open >= this.options.maxTunnels) {
      const busy = fail(503, `too many tunnels open (${this.options.maxTunnels})`);
      busy.headers.set("retry-after", "5");
      return busy;
    }
    this.#open++;
    let conn: Deno.TcpConn;
    try {
      conn = await this.#connect(target, mirror);
    } catch (error) {
      this.#open--;
      if (error instanceof TunnelRefused) return fail(403, tunnelRefusal(target, error.message));
      const timedOut = error instanceof Deno.errors.TimedOut;
      return fail(timedOut ? 504 : 502, `cannot reach ${where}: ${(error as Error).message}`);
    }
    const started = performance.now();
    const moved = { in: 0, out: 0 };
    counters.tunnel("opened");
    log.info("http.tunnel", { client, target: where });
    return tunnelResponse(conn, {
      onBytes: (direction, bytes) => {
        moved[direction] += bytes;
        counters.passedThrough(direction, bytes);
      },
      onEnd: () => {
        this.#open--;
        log.info("http.tunnel_closed", {
          client,
          target: where,
          bytes_in: moved.in,
          bytes_out: moved.out,
          ms: Math.round(performance.now() - started),
        });
      },
    });
  }

  /** Resolves, judges each address, and connects to the first that answers, within the deadline. */
  async #connect(target: TunnelTarget, mirror: boolean): Promise<Deno.TcpConn> {
    const timeoutMs = this.options.connectTimeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const timedOut = new Promise<never>((_, reject) =>
      deadline.addEventListener(
        "abort",
        () => reject(new Deno.errors.TimedOut(`no connection in ${timeoutMs} ms`)),
      )
    );
    timedOut.catch(() => {});
    const addresses = isIP(target.host)
      ? [target.host]
      : await Promise.race([(this.options.resolve ?? resolveSystem)(target.host), timedOut]);
    if (addresses.length === 0) throw new Error(`${target.host} has no address`);
    for (const address of addresses) {
      const refused = refusedAddress(address, mirror);
      if (refused) throw new TunnelRefused(`to ${target.host} ${refused}`);
    }
    let lastError: unknown;
    for (const hostname of addresses) {
      if (deadline.aborted) break;
      const connecting = Deno.connect({ hostname, port: target.port });
      try {
        return await Promise.race([connecting, timedOut]);
      } catch (error) {
        connecting.then((late) => late.close(), () => {}); // one that comes after the deadline
        lastError = error;
      }
    }
    throw lastError ?? new Deno.errors.TimedOut(`no connection in ${timeoutMs} ms`);
  }
}

/** A name that resolved to an address a tunnel may not go to. */
class TunnelRefused extends Error {}

async function resolveSystem(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}
