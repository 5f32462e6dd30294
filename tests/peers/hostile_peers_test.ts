/**
 * The only peer that has the file lies the way an attacker would: endless
 * bodies, a huge length, a drip of correct bytes, a redirect. Each lie costs
 * a bounded time and bounded bytes; apt gets the right file, in the end from
 * the mirror.
 */

import assert from "node:assert/strict";
import { get, POOL, readIndexes, startPeerWorld } from "../helpers/peer_world.ts";
import { type FakePeerBehaviour, startFakePeer } from "../helpers/fake_peer.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

const options = { sanitizeResources: false, sanitizeOps: false };
/** Under a whole piece (512 KiB): fetched whole. */
const SMALL = 342_000;
/** Five pieces: fetched in pieces. */
const LARGE = 2_600_000;
/** Bytes a sender can push into loopback's socket buffers that nobody has read. */
const SLACK = 24 * 1024 * 1024;

async function partialBytes(dir: string): Promise<number> {
  let total = 0;
  try {
    for await (const entry of Deno.readDir(`${dir}/.partial`)) {
      total += (await Deno.stat(`${dir}/.partial/${entry.name}`).catch(() => ({ size: 0 }))).size;
    }
  } catch { /* not there yet */ }
  return total;
}

/** The liar at `address` is the only peer; returns what apt got, how fast, and what it cost. */
async function againstLiar(
  size: number,
  seed: number,
  address: string,
  behaviour: FakePeerBehaviour | ((mirrorBase: string) => FakePeerBehaviour),
) {
  await using world = await startPeerWorld(size, seed);
  const lie = typeof behaviour === "function" ? behaviour(world.mirror.base) : behaviour;
  await using liar = await startFakePeer(address, world.data, world.network.nodes[0].local, lie);
  // A patient peer timeout: the idle timeout alone would never end a drip. A patient look for
  // peers too: under the parallel suite the default 0.3 s once ended before the liar was found.
  const c = await world.daemon({ peers: { timeout: 30, wait: 3 } });
  await readIndexes(c, world.archive);
  const rssBefore = Deno.memoryUsage().rss;
  let peakPartial = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      peakPartial = Math.max(peakPartial, await partialBytes(c.cacheDir));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const started = performance.now();
  const got = await get(c.base, world.archive, POOL);
  const ms = performance.now() - started;
  watching = false;
  await watcher;
  assertBytes(got.body, world.data);
  await c.pipeline.idle();
  assertBytes(await Deno.readFile(`${c.cacheDir}/${world.archive}/${POOL}`), world.data);
  assert.ok(liar.requests.some((r) => r.path.startsWith("/~/")), "the liar was asked");
  return {
    ms,
    source: got.source,
    sent: liar.sent(),
    rssGrowth: Deno.memoryUsage().rss - rssBefore,
    peakPartial,
    mirrorAsked: world.mirror.requestsFor("pkg_1.0_amd64.deb").length,
    mirrorPaths: world.mirror.log.map((r) => r.path),
  };
}

Deno.test({
  ...options,
  name: "an endless 200 body for a small file stops at its size: the mirror delivers",
  async fn() {
    const r = await againstLiar(SMALL, 61, "127.0.6.1", { endless: "whole" });
    assert.ok(r.peakPartial <= SMALL, `.partial grew to ${r.peakPartial}`);
    // What the kernel's socket buffers took (several MB on loopback) counts as sent.
    assert.ok(r.sent < SMALL + SLACK, `read ${r.sent} bytes of an endless body`);
    assert.equal(r.mirrorAsked, 1);
  },
});

Deno.test({
  ...options,
  name: "a huge Content-Length for a small file is refused at the headers",
  async fn() {
    const r = await againstLiar(SMALL, 62, "127.0.6.2", { claimedLength: 10_000_000_000 });
    assert.ok(r.sent < SMALL + SLACK, `read ${r.sent} bytes`);
    assert.equal(r.mirrorAsked, 1);
  },
});

Deno.test({
  ...options,
  name: "endless 206 piece bodies stop at the piece's end and memory stays flat",
  async fn() {
    const r = await againstLiar(LARGE, 63, "127.0.6.3", { endless: "range" });
    assert.ok(r.rssGrowth < 200 * 1024 * 1024, `RSS grew by ${r.rssGrowth}`);
    assert.ok(r.sent < 2 * LARGE + SLACK, `read ${r.sent} bytes`);
  },
});

Deno.test({
  ...options,
  name: "an endless piece list stops at the largest list the file can have",
  async fn() {
    const r = await againstLiar(LARGE, 64, "127.0.6.4", { endless: "list" });
    assert.ok(r.sent < LARGE + SLACK, `read ${r.sent} bytes`);
    assert.ok(r.rssGrowth < 200 * 1024 * 1024, `RSS grew by ${r.rssGrowth}`);
  },
});

for (
  const [size, label, address] of [[SMALL, "whole", "127.0.6.5"], [
    LARGE,
    "in pieces",
    "127.0.6.6",
  ]] as const
) {
  Deno.test({
    ...options,
    name:
      `a peer dripping correct bytes (${label}) is dropped for being slow; apt waits seconds, not minutes`,
    async fn() {
      const r = await againstLiar(size, 65, address, { dripMs: 200 });
      assert.ok(r.ms < 12_000, `took ${Math.round(r.ms)} ms`);
      assert.ok(r.mirrorAsked >= 1);
    },
  });
}

Deno.test({
  ...options,
  name: "a peer's redirect is never followed, not even to the mirror",
  async fn() {
    const r = await againstLiar(SMALL, 66, "127.0.6.7", (mirror) => ({
      redirectTo: `${mirror}/forged-by-the-peer`,
    }));
    assert.ok(!r.mirrorPaths.some((p) => p.includes("forged")), r.mirrorPaths.join(" "));
    assert.equal(r.mirrorAsked, 1, "the mirror served the file, asked by the daemon itself");
    assert.equal(r.source, "mirror");
  },
});

for (
  const [addresses, confirmed] of [
    [["127.0.8.1", "127.0.9.1"], true],
    [["127.0.10.1", "127.0.10.2"], false],
  ] as const
) {
  Deno.test({
    ...options,
    name: `two honest peers in ${
      confirmed
        ? "different /24s confirm their list: pieces stream"
        : "one /24 are one party: the file is held until whole"
    }`,
    async fn() {
      await using world = await startPeerWorld(LARGE, confirmed ? 67 : 68);
      const bootstrap = world.network.nodes[0].local;
      await using _a = await startFakePeer(addresses[0], world.data, bootstrap);
      await using _b = await startFakePeer(addresses[1], world.data, bootstrap);
      const c = await world.daemon();
      await readIndexes(c, world.archive);
      const got = await get(c.base, world.archive, POOL);
      assertBytes(got.body, world.data);
      assert.equal(got.source, "peer");
      const lines = c.logLines.join("\n");
      assert.match(
        lines,
        new RegExp(
          `download\\.piece_list .*namedBy=2 parties=${confirmed ? 2 : 1} confirmed=${confirmed}`,
        ),
      );
    },
  });
}
