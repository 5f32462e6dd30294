/**
 * Who may have what: the one decision, per request, whether it is served
 * (to allowed clients: archive files, the status pages and `CONNECT`
 * tunnels that pass_through.ts lets through), served only as
 * a peer's request (files by hash, to any address), or refused, and with
 * which status. Pure: the request's method, target and Via header, the
 * client's address and the policy in; the decision out. The caps on
 * requests in flight are counted state and come before it
 * (`request_limits.ts`).
 *
 * @module
 */

import { addressInAny, type Cidr } from "../net/mod.ts";
import {
  type ArchiveTarget,
  classifyRequest,
  type PeerFileTarget,
  type PeerPieceListTarget,
  type PeerSignedTarget,
  type RequestTarget,
  type TargetContext,
  type TunnelTarget,
} from "./request_target.ts";
import { decideTunnel } from "./pass_through.ts";

/** What a request is judged on: what the wire carried, nothing more. */
export type RequestLine = Pick<Request, "method" | "url" | "headers">;

/** Everything the decision depends on besides the request. */
export interface AccessPolicy extends TargetContext {
  /** Whether `client` is one of `server.allowed_clients` (the front keeps the verdicts). */
  readonly allows: (client: string) => boolean;
  /** Status pages for any address, not only allowed clients (`server.status_public`). */
  readonly statusPublic: boolean;
  /** Our `Via` token: a request carrying it has looped back to us. */
  readonly via: string;
  /** Hosts `CONNECT` may reach (`server.connect_pass_through`); none when absent. */
  readonly passThrough?: readonly string[];
}

/** A file by hash: any address may ask, for what may be announced only. */
export type PeerRequest = PeerFileTarget | PeerPieceListTarget | PeerSignedTarget;

/** What becomes of a request. */
export type AccessDecision =
  | { readonly kind: "archive"; readonly target: ArchiveTarget }
  | { readonly kind: "status"; readonly path: string; readonly target: RequestTarget }
  | { readonly kind: "peer"; readonly target: PeerRequest }
  /** A `CONNECT` to pass through; `mirror`: the host is a configured https mirror. */
  | { readonly kind: "tunnel"; readonly target: TunnelTarget; readonly mirror: boolean }
  | {
    readonly kind: "refuse";
    readonly status: number;
    readonly reason: string;
    /**
     * Counted as a refusal in the statistics; refusals in the peers'
     * namespace are answers to peers (a 404), not turned-away clients.
     */
    readonly counted: boolean;
    readonly target: RequestTarget;
  };

/** The decision for `request` from `client` (an IP address, or "unix"). */
export function decideAccess(
  request: RequestLine,
  client: string,
  policy: AccessPolicy,
): AccessDecision {
  const target = classifyRequest(request, policy);
  const refuse = (status: number, reason: string, counted = true): AccessDecision => ({
    kind: "refuse",
    status,
    reason,
    counted,
    target,
  });
  switch (target.kind) {
    case "peer-file":
    case "peer-piece-list":
    case "peer-signed":
      return { kind: "peer", target };
    case "refused":
      // The peers' namespace answers any address alike: a stranger learns nothing more from it.
      if (target.public) return refuse(target.status, target.reason, false);
      break;
    case "local":
      if (policy.statusPublic) return { kind: "status", path: target.path, target };
      break;
  }
  if (!policy.allows(client)) return refuse(403, "this client may not use this proxy");
  if ((request.headers.get("via") ?? "").includes(policy.via)) {
    return refuse(508, "request loops back to this daemon");
  }
  if (target.kind === "refused") return refuse(target.status, target.reason);
  if (target.kind === "local") return { kind: "status", path: target.path, target };
  if (target.kind === "tunnel") {
    const verdict = decideTunnel(target, {
      patterns: policy.passThrough ?? [],
      mirrors: policy.mirrors,
    });
    if (!verdict.allowed) return refuse(verdict.status, verdict.reason);
    return { kind: "tunnel", target, mirror: verdict.mirror };
  }
  return { kind: "archive", target };
}

/**
 * `allows` for a policy: membership in `allowed`, remembered per address
 * (clients are few, and parsing an address per request is not free).
 */
export function allowedClients(allowed: readonly Cidr[]): (client: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (client) => {
    let verdict = verdicts.get(client);
    if (verdict === undefined) {
      if (verdicts.size >= ALLOWED_VERDICTS_KEPT) verdicts.clear();
      verdict = addressInAny(client, allowed);
      verdicts.set(client, verdict);
    }
    return verdict;
  };
}

/** Addresses whose verdict is remembered; past it all are forgotten (a scan of many addresses). */
const ALLOWED_VERDICTS_KEPT = 4096;
