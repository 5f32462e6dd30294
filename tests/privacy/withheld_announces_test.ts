/**
 * What a daemon keeps to itself, end to end: a local signed main archive and
 * a local signed security archive on one mirror, daemons on a private DHT on
 * loopback. A package is announced until the security archive lists a newer
 * version, then withdrawn; it is still served to apt; a daemon with
 * `peers.announce = false` takes files from peers and reveals nothing.
 */

import assert from "node:assert/strict";
import { buildArchive, bytes, sha256 } from "../helpers/archive.ts";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { announced, get } from "../helpers/peer_world.ts";
import { testSigner } from "../helpers/signing.ts";
import { fetchStatus } from "../../src/commands/status.ts";

const OLD = "hello_2.10-2_amd64.deb";
const FIXED = "hello_2.10-2+deb12u1_amd64.deb";
const POOL = `pool/main/h/hello/${OLD}`;

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!await test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readSuite(daemon: TestDaemon, archive: string, suite: string) {
  for (const path of [`dists/${suite}/InRelease`, `dists/${suite}/main/binary-amd64/Packages`]) {
    await get(daemon.base, archive, path);
    await daemon.pipeline.idle();
    await daemon.index.settled();
  }
}

async function privacyOf(daemon: TestDaemon) {
  return (await (await fetch(`${daemon.base}/stats.json`)).json()).privacy;
}

async function askByHash(daemon: TestDaemon, hash: string): Promise<number> {
  const response = await fetch(`${daemon.base}/~/${hash}`);
  await response.body?.cancel();
  return response.status;
}

Deno.test("a package is announced until the security archive lists a newer version, then withdrawn", async () => {
  const root = await Deno.makeTempDir({ prefix: "apt-dht-privacy-" });
  const signer = await testSigner();
  const old = bytes(40_000, 181);
  await buildArchive(root, { [OLD]: old }, { suite: "bookworm", signer });
  const mirror = await MirrorServer.start(root);
  const network = await startDhtNetwork(8);
  const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
  const config = { dht: { bootstrap }, trust: { keyrings: [signer.keyring] } };
  const archive = `${mirror.authority}/debian`;
  const hash = sha256(old);
  try {
    await using holder = await startTestDaemon(config);
    await readSuite(holder, archive, "bookworm");
    assert.equal((await get(holder.base, archive, POOL)).source, "mirror");
    await holder.pipeline.idle();
    await announced(holder, 1);
    assert.ok(holder.announcer!.has(hash), "the package is announced");
    assert.equal(await askByHash(holder, hash), 200);

    // A machine that must not reveal what it runs: it takes the file from the holder…
    await using quiet = await startTestDaemon({ ...config, peers: { announce: false } });
    await readSuite(quiet, archive, "bookworm");
    assert.equal((await get(quiet.base, archive, POOL)).source, "peer");
    await quiet.pipeline.idle();
    // …and announces nothing, and serves nothing to peers.
    assert.equal(quiet.announcer!.size, 0);
    assert.equal(quiet.announcer!.announced, 0);
    assert.equal(await askByHash(quiet, hash), 404);
    assert.equal((await privacyOf(quiet)).announce, false);

    // The security archive now has a fix: the old version marks its holder as a target.
    await buildArchive(root, { [FIXED]: bytes(40_100, 182) }, {
      suite: "bookworm-security",
      signer,
    });
    await readSuite(holder, archive, "bookworm-security");
    await until(
      "the old version is withheld",
      async () => (await privacyOf(holder)).withheld === 1,
    );
    const privacy = await privacyOf(holder);
    assert.deepEqual(privacy.withheld_by_reason, { security_update: 1, vulnerable: 0 });
    assert.ok(privacy.security_packages >= 1);
    assert.ok(!holder.announcer!.has(hash), "announcements stopped");
    assert.equal(await askByHash(holder, hash), 404, "peers cannot tell it from a file not held");
    assert.ok(holder.logLines.some((line) => line.includes("privacy.judged")));
    const metrics = await (await fetch(`${holder.base}/metrics`)).text();
    assert.match(metrics, /^aptdht_withheld_files\{reason="security_update"\} 1$/m);
    assert.match(
      await fetchStatus(holder.base),
      /withheld from the DHT: 1 \(1 with a newer security version/,
    );
    // Still served to apt, from the cache.
    const again = await get(holder.base, archive, POOL);
    assert.equal(again.source, "cache");
    assert.deepEqual(again.body, old);

    // A daemon started later withholds it from the start: never announced.
    await holder.stop();
    await using restarted = await startTestDaemon(config, holder.dir);
    await until("it judged the cache", async () => (await privacyOf(restarted)).withheld === 1);
    assert.ok(!restarted.announcer!.has(hash));
  } finally {
    await network.stop();
    await mirror.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a package older than a fix for its release on the configured vulnerability list is withheld", async () => {
  const root = await Deno.makeTempDir({ prefix: "apt-dht-privacy-" });
  const signer = await testSigner();
  const old = bytes(30_000, 183);
  // Under the suite's alias, as a "stable" source line names it: the Release says which release.
  await buildArchive(root, { [OLD]: old }, { suite: "stable", codename: "bookworm", signer });
  const list = `${root}/tracker.json`;
  // The tracker's shape: source → CVE → release → status and fixed version.
  await Deno.writeTextFile(
    list,
    JSON.stringify({
      hello: {
        "CVE-2026-0001": {
          releases: {
            bookworm: { status: "resolved", fixed_version: "2.10-3", urgency: "high" },
            sid: { status: "resolved", fixed_version: "2.12-1", urgency: "high" },
          },
        },
        "CVE-2026-0002": {
          releases: { bookworm: { status: "open", urgency: "low" } },
        },
      },
      other: {
        "CVE-2026-0003": { releases: { bookworm: { status: "resolved", fixed_version: "9" } } },
      },
    }),
  );
  const mirror = await MirrorServer.start(root);
  const archive = `${mirror.authority}/debian`;
  try {
    await using daemon = await startTestDaemon({
      trust: { keyrings: [signer.keyring] },
      peers: { vulnerability_list: list },
    });
    await until(
      "the list is read",
      async () => (await privacyOf(daemon)).vulnerability_list?.sources === 2,
    );
    await readSuite(daemon, archive, "stable");
    assert.equal((await get(daemon.base, archive, POOL)).source, "mirror");
    await daemon.pipeline.idle();
    const privacy = await privacyOf(daemon);
    assert.equal(privacy.withheld, 1);
    assert.deepEqual(privacy.withheld_by_reason, { security_update: 0, vulnerable: 1 });
    assert.ok(!daemon.announcer!.has(sha256(old)));
    assert.equal(await askByHash(daemon, sha256(old)), 404);
    const page = await (await fetch(`${daemon.base}/`)).text();
    assert.match(page, /the vulnerability list names a newer fix/);
  } finally {
    await mirror.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an unreadable vulnerability list is said on the status page and withholds nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-privacy-" });
  await Deno.writeTextFile(`${dir}/bad.json`, '{"hello": {"CVE-1": ');
  try {
    await using daemon = await startTestDaemon({
      peers: { vulnerability_list: `${dir}/bad.json` },
    });
    await until("the read failed", async () => (await privacyOf(daemon)).vulnerability_list?.error);
    const privacy = await privacyOf(daemon);
    assert.match(
      privacy.vulnerability_list.error,
      /bad\.json: the text ends before the object does/,
    );
    assert.equal(privacy.withheld, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
