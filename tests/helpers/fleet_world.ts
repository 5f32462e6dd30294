/**
 * A fleet on loopback for tests and benchmarks: a real signed repository
 * behind a mirror limited to a few MB/s for all its clients together, a
 * private DHT, and daemons that join it and have read the indexes, so that
 * they all know the same packages and can ask for one at the same moment.
 */

import { sha256File } from "./archive.ts";
import { startTestDaemon, type TestDaemon } from "./daemon.ts";
import { buildDebianRepo, type DebianRepo, type RepoPackage } from "./debian_repo.ts";
import { type DhtNetwork, startDhtNetwork } from "./dht_network.ts";
import { MirrorServer } from "./mirror_server.ts";
import { readIndexes } from "./peer_world.ts";

export interface FleetWorld extends AsyncDisposable {
  readonly repo: DebianRepo;
  readonly mirror: MirrorServer;
  readonly network: DhtNetwork;
  /** `host:port` of the DHT's bootstrap node. */
  readonly bootstrap: string[];
  /** `127.0.0.1:<mirror port>/<archive>`, what follows a daemon's address in rewrite mode. */
  readonly archive: string;
  /** A TOML file with the repository's key, for daemons run as processes (`--config`). */
  readonly trustConfig: string;
  /** Starts a daemon that joins the DHT and has read the indexes; `toml` adds to its config. */
  daemon(toml?: Record<string, unknown>): Promise<TestDaemon>;
  /** The pool path of package `name` (relative to the archive). */
  pathOf(name: string): string;
}

/** Builds the world: `packages` of random payload, the mirror at `rate` bytes/s once indexes are read. */
export async function startFleetWorld(
  packages: readonly RepoPackage[],
  rate: number,
): Promise<FleetWorld> {
  const repo = await buildDebianRepo(packages);
  const mirror = await MirrorServer.start(repo.root);
  const network = await startDhtNetwork(8);
  const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
  const archive = `${mirror.authority}/${repo.archivePath}`;
  const trustConfig = `${repo.root}/.work/trust.toml`;
  await Deno.writeTextFile(
    trustConfig,
    `[trust]\napt_keyrings = false\nkeyrings = ["${repo.keyring}"]\n`,
  );
  const daemons: TestDaemon[] = [];
  mirror.rateLimit = rate;
  return {
    repo,
    mirror,
    network,
    bootstrap,
    archive,
    trustConfig,
    pathOf: (name) => repo.debs.get(name)!.path,
    async daemon(toml = {}) {
      const daemon = await startTestDaemon({
        dht: { bootstrap },
        trust: { keyrings: [repo.keyring] },
        ...toml,
      });
      daemons.push(daemon);
      await readIndexes(daemon, archive);
      return daemon;
    },
    async [Symbol.asyncDispose]() {
      for (const daemon of daemons) await daemon[Symbol.asyncDispose]();
      await network.stop();
      await mirror.stop().catch(() => {});
      await repo.cleanup();
    },
  };
}

/** A GET through a daemon at `base`: how long until the last byte, and whether the bytes are right. */
export async function timedGet(
  base: string,
  world: Pick<FleetWorld, "archive" | "repo" | "pathOf">,
  name: string,
): Promise<{ ms: number; status: number; right: boolean; source: string | null }> {
  const started = performance.now();
  const response = await fetch(`${base}/${world.archive}/${world.pathOf(name)}`);
  const file = await Deno.makeTempFile({ prefix: "apt-dht-fleet-" });
  try {
    // A body cut off (its source killed) is a wrong file, not a failed test.
    const whole = response.body
      ? await Deno.writeFile(file, response.body).then(() => true, () => false)
      : false;
    const ms = performance.now() - started;
    const right = whole && response.status === 200 &&
      await sha256File(file) === world.repo.debs.get(name)!.sha256;
    return { ms, status: response.status, right, source: response.headers.get("x-apt-dht-source") };
  } finally {
    await Deno.remove(file);
  }
}
