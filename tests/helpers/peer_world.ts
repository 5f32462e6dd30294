/**
 * A small world for peer tests: a mirror with a one-package archive, a
 * private DHT on loopback, and daemons that join it.
 */

import assert from "node:assert/strict";
import { buildArchive, bytes } from "./archive.ts";
import { startTestDaemon, type TestDaemon } from "./daemon.ts";
import { type DhtNetwork, startDhtNetwork } from "./dht_network.ts";
import { MirrorServer } from "./mirror_server.ts";
import { testSigner } from "./signing.ts";

/** The package's path inside the archive. */
export const POOL = "pool/main/p/pkg/pkg_1.0_amd64.deb";
/** The archive's indexes, in the order apt reads them. */
export const INDEXES = ["dists/stable/InRelease", "dists/stable/main/binary-amd64/Packages"];

export interface PeerWorld extends AsyncDisposable {
  readonly data: Uint8Array;
  readonly mirror: MirrorServer;
  readonly network: DhtNetwork;
  /** `host:port` of the DHT's bootstrap node. */
  readonly bootstrap: string[];
  /** `<mirror host:port>/debian`, the archive part of rewrite-mode URLs. */
  readonly archive: string;
  /** Starts a daemon that joins the DHT; `toml` adds to its configuration. */
  daemon(toml?: Record<string, unknown>): Promise<TestDaemon>;
}

/** Builds the world; the package is `size` pseudo-random bytes. */
export async function startPeerWorld(size: number, seed: number): Promise<PeerWorld> {
  const root = await Deno.makeTempDir({ prefix: "apt-dht-world-" });
  const data = bytes(size, seed);
  const signer = await testSigner();
  await buildArchive(root, { "pkg_1.0_amd64.deb": data }, { signer });
  const mirror = await MirrorServer.start(root);
  const network = await startDhtNetwork(12);
  const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
  const daemons: TestDaemon[] = [];
  return {
    data,
    mirror,
    network,
    bootstrap,
    archive: `${mirror.authority}/debian`,
    async daemon(toml = {}) {
      const daemon = await startTestDaemon({
        dht: { bootstrap },
        trust: { keyrings: [signer.keyring] },
        ...toml,
      });
      daemons.push(daemon);
      return daemon;
    },
    async [Symbol.asyncDispose]() {
      for (const daemon of daemons) await daemon[Symbol.asyncDispose]();
      await network.stop();
      await mirror.stop().catch(() => {}); // a test may have stopped it already
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** GETs an archive path through a daemon: where it came from, and the bytes. */
export async function get(base: string, archive: string, path: string) {
  const response = await fetch(`${base}/${archive}/${path}`);
  assert.equal(response.status, 200, path);
  return {
    source: response.headers.get("x-apt-dht-source"),
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

/** Reads the archive's indexes through a daemon, waiting for each to be committed and parsed. */
export async function readIndexes(daemon: TestDaemon, archive: string): Promise<void> {
  for (const path of INDEXES) {
    await get(daemon.base, archive, path);
    await daemon.pipeline.idle();
    await daemon.index.settled();
  }
}

/** Waits (up to 10 s) until the daemon has announced `count` files. */
export async function announced(daemon: TestDaemon, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((daemon.announcer?.announced ?? 0) < count) {
    if (Date.now() > deadline) throw new Error(`only ${daemon.announcer?.announced} announced`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A daemon that has the package (from wherever it can get it) and has announced what it has. */
export async function seededDaemon(
  world: PeerWorld,
  toml: Record<string, unknown> = {},
): Promise<TestDaemon> {
  const daemon = await world.daemon(toml);
  await readIndexes(daemon, world.archive);
  await get(daemon.base, world.archive, POOL);
  await daemon.pipeline.idle();
  await announced(daemon, 2);
  return daemon;
}
