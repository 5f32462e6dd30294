/**
 * The daemon's two HTTP clients: one for mirrors, one for peers. Peers get
 * short timeouts: the mirror is there to fall back on.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import { loadTrustedRoots, MAX_REDIRECTS, MirrorAddresses, MirrorClient } from "../fetch/mod.ts";
import type { TrafficCounters } from "../stats/mod.ts";
import { VERSION } from "../version.ts";
import { PEER_MIN_RATE } from "./constants.ts";
import type { Component } from "./lifecycle.ts";

/** The mirror client and the peer client, wire bytes counted per side. */
export class Clients implements Component {
  readonly mirror: MirrorClient;
  readonly peer: MirrorClient;

  /** `via` is our `Via` header value (`1.1 apt-dht-<instance>`). */
  constructor(config: Config, counters: TrafficCounters, via: string) {
    const userAgent = `apt-dht/${VERSION}`;
    this.mirror = new MirrorClient({
      connectTimeoutMs: config.upstream.connectTimeout * 1000,
      responseTimeoutMs: config.upstream.responseTimeout * 1000,
      idleTimeoutMs: config.upstream.idleTimeout * 1000,
      userAgent,
      via,
      maxConnectionsPerHost: config.upstream.maxConnections,
      maxRedirects: MAX_REDIRECTS,
      addresses: new MirrorAddresses({ servers: config.upstream.dnsServers }),
      onWire: (direction, bytes) => counters.carried("mirror", direction, bytes),
      onOutcome: (url, outcome) => counters.mirrors.record(url, outcome),
      caCerts: loadTrustedRoots(config.upstream.caFiles),
    });
    this.peer = new MirrorClient({
      responseTimeoutMs: config.peers.timeout * 1000,
      idleTimeoutMs: config.peers.timeout * 1000,
      userAgent,
      via,
      onWire: (direction, bytes) => counters.carried("peer", direction, bytes),
      minRate: PEER_MIN_RATE,
      // No maxRedirects: a peer's 3xx is never followed, it is a failed source.
    });
  }

  stop(): void {
    this.mirror.close();
    this.peer.close();
  }
}
