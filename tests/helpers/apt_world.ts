/**
 * The setting of the end-to-end peer tests: a signed repository's mirror on
 * loopback, a private DHT, and daemons that join it and trust the
 * repository's key. Everything stops with the world.
 */

import type { DebianRepo } from "./debian_repo.ts";
import { MirrorServer } from "./mirror_server.ts";
import { startTestDaemon, type TestDaemon } from "./daemon.ts";
import { type DhtNetwork, startDhtNetwork } from "./dht_network.ts";

export interface AptWorld extends AsyncDisposable {
  readonly mirror: MirrorServer;
  readonly daemons: TestDaemon[];
  /** The private DHT (fake peers bootstrap from its first node). */
  readonly network: DhtNetwork;
  /** The repository's source line, through `daemon`. */
  line(daemon: TestDaemon, type?: "deb" | "deb-src"): string;
}

/**
 * Starts the mirror, a 5-node DHT and `count` daemons bootstrapping from it;
 * `extra(i)` adds config sections of the i-th daemon.
 */
export async function startAptWorld(
  repo: DebianRepo,
  count: number,
  extra: (i: number) => Record<string, unknown> = () => ({}),
): Promise<AptWorld> {
  const mirror = await MirrorServer.start(repo.root);
  const network = await startDhtNetwork(5);
  const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
  const config = { dht: { bootstrap }, trust: { keyrings: [repo.keyring] } };
  const daemons: TestDaemon[] = [];
  for (let i = 0; i < count; i++) daemons.push(await startTestDaemon({ ...config, ...extra(i) }));
  return {
    mirror,
    daemons,
    network,
    line: (daemon, type) =>
      repo.sourceLine(`http://127.0.0.1:${daemon.port}/${mirror.authority}`, type),
    async [Symbol.asyncDispose]() {
      for (const daemon of daemons) await daemon[Symbol.asyncDispose]();
      await network.stop();
      await mirror.stop();
    },
  };
}
