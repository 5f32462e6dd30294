/**
 * Which `CONNECT` tunnels an allowed client may open (https sources in
 * proxy mode): to port 443 of a host that `server.connect_pass_through`
 * names, at a public address; or to a configured https mirror's own host
 * and port, wherever it is. Everything else is refused with a reason that
 * points at the rewrite form, which is cached and shared where a tunnel is
 * neither. Pure: the target, the policy and, once resolved, an address in;
 * the verdict out.
 *
 * @module
 */

import type { MirrorAlias } from "../config/mod.ts";
import { addressScope, bareHost, hostMatches, urlHost } from "../net/mod.ts";
import { HTTPS_SEGMENT, type TunnelTarget } from "./request_target.ts";

/** The one port tunnels go to, unless to a configured mirror. */
export const PASS_THROUGH_PORT = 443;

/** What the verdict depends on besides the target. */
export interface PassThroughPolicy {
  /** `server.connect_pass_through`. */
  readonly patterns: readonly string[];
  readonly mirrors: ReadonlyMap<string, MirrorAlias>;
}

/** A tunnel that may be opened, and whether its host is a configured mirror. */
export interface TunnelAllowed {
  readonly allowed: true;
  /** A configured mirror may be on any port and at a private address. */
  readonly mirror: boolean;
}

/** A tunnel refused, with a reason the client is shown. */
export interface TunnelRefused {
  readonly allowed: false;
  readonly status: 403;
  readonly reason: string;
}

/**
 * The text of a refused `CONNECT target`, `why` first, then where the
 * rewrite form would fetch the host from (said in every refusal, before
 * or after resolving).
 */
export function tunnelRefusal(target: TunnelTarget, why: string): string {
  const port = target.port === PASS_THROUGH_PORT ? "" : `:${target.port}`;
  return `CONNECT ${why}; use the rewrite form instead, deb http://<this proxy>/${HTTPS_SEGMENT}/${
    urlHost(target.host)
  }${port}/<path> (cached and shared; apt-dht apt-sources writes it)`;
}

/** Whether a configured mirror's upstream is `https://host:port`. */
export function isConfiguredMirror(
  target: TunnelTarget,
  mirrors: ReadonlyMap<string, MirrorAlias>,
): boolean {
  for (const alias of mirrors.values()) {
    for (const base of alias.upstreams) {
      const url = new URL(base);
      if (url.protocol !== "https:") continue;
      const host = bareHost(url.hostname).toLowerCase();
      const port = url.port === "" ? PASS_THROUGH_PORT : Number(url.port);
      if (host === target.host && port === target.port) return true;
    }
  }
  return false;
}

/** The verdict on `CONNECT target` before the host is resolved. */
export function decideTunnel(
  target: TunnelTarget,
  policy: PassThroughPolicy,
): TunnelAllowed | TunnelRefused {
  const refuse = (why: string): TunnelRefused => ({
    allowed: false,
    status: 403,
    reason: tunnelRefusal(target, why),
  });
  const mirror = isConfiguredMirror(target, policy.mirrors);
  if (!hostMatches(target.host, policy.patterns)) {
    return refuse(`to ${target.host} is not passed through (server.connect_pass_through)`);
  }
  if (target.port !== PASS_THROUGH_PORT && !mirror) {
    return refuse(`is passed through to port ${PASS_THROUGH_PORT} only, not ${target.port}`);
  }
  const refusedScope = refusedAddress(target.host, mirror);
  if (refusedScope) return refuse(refusedScope);
  return { allowed: true, mirror };
}

/**
 * Why a tunnel may not go to `address` (an IP literal the target named or
 * its name resolved to); undefined when it may. Only public addresses,
 * unless the host is a configured mirror: a tunnel must not become a way
 * into this machine or its LAN. Names are not judged here (see the caller).
 */
export function refusedAddress(address: string, mirror: boolean): string | undefined {
  const scope = addressScope(address);
  if (scope === undefined || scope === "public" || mirror) return undefined;
  return `to a ${scope} address (${address}) is refused unless it is a configured https mirror`;
}
