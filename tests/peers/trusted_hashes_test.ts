/**
 * Only hashes that trace back to a verified Release signature let a file
 * come from peers (or be announced to them); others still check the mirror.
 */

import assert from "node:assert/strict";
import { get, POOL, readIndexes, seededDaemon, startPeerWorld } from "../helpers/peer_world.ts";
import { testSigner } from "../helpers/signing.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

const options = { sanitizeResources: false, sanitizeOps: false };
type ReleaseRow = {
  release: string;
  trusted: boolean;
  reason: string | null;
  signer: string | null;
};

async function releasesOf(base: string): Promise<ReleaseRow[]> {
  return (await (await fetch(`${base}/stats.json`)).json()).releases;
}

Deno.test({
  ...options,
  name:
    "a Release signed by a key the daemon does not trust proxies, but peers are never asked and nothing is announced",
  async fn() {
    await using world = await startPeerWorld(80_000, 41);
    await seededDaemon(world); // trusts the archive key: has the package and announced it
    const rogue = await testSigner("rogue");
    const c = await world.daemon({ trust: { keyrings: [rogue.keyring] } });
    await readIndexes(c, world.archive);
    const got = await get(c.base, world.archive, POOL);
    assertBytes(got.body, world.data);
    assert.equal(got.source, "mirror");
    assert.equal(world.mirror.requestsFor("pkg_1.0_amd64.deb").length, 2, "c asked the mirror");
    await c.pipeline.idle();
    assert.equal(c.announcer?.size, 0, "nothing of an untrusted archive is announced");
    const [release] = await releasesOf(c.base);
    assert.match(release.release, /dists\/stable\/InRelease$/);
    assert.equal(release.trusted, false);
    assert.ok(release.reason, "the status says why");
    const page = await (await fetch(`${c.base}/`)).text();
    assert.match(page, /not trusted, so no peers are used/);
  },
});

Deno.test({
  ...options,
  name:
    "a Release is checked against the Release.gpg fetched before it, and apt's own request for that is a hit; then its files come from peers",
  async fn() {
    await using world = await startPeerWorld(80_000, 42);
    await seededDaemon(world);
    const c = await world.daemon();
    const step = async (path: string) => {
      await get(c.base, world.archive, path);
      await c.pipeline.idle();
      await c.index.settled();
    };
    const signatures = () => world.mirror.requestsFor("dists/stable/Release.gpg").length;
    const before = signatures();
    await step("dists/stable/Release");
    assert.equal(signatures(), before + 1, "Release.gpg came first");
    let [release] = await releasesOf(c.base);
    assert.equal(release.trusted, true, JSON.stringify(release));
    await step("dists/stable/Release.gpg");
    assert.equal(signatures(), before + 1, "apt's request for it is served from the cache");
    [release] = await releasesOf(c.base);
    assert.equal(release.trusted, true, JSON.stringify(release));
    assert.equal(release.signer, (await testSigner()).keyId);
    await step("dists/stable/main/binary-amd64/Packages");
    const got = await get(c.base, world.archive, POOL);
    assertBytes(got.body, world.data);
    assert.equal(got.source, "peer");
    assert.equal(world.mirror.requestsFor("pkg_1.0_amd64.deb").length, 1, "only the seed asked");
  },
});
