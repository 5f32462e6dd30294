/**
 * Real apt through the daemon against the archive layouts apt meets in the
 * wild: a security archive with an old-style "suite/updates" suite, an
 * Ubuntu-style archive (several components, indexes listed uncompressed but
 * served only compressed, Translation, Contents, DEP-11 and cnf files), and
 * a third-party repository with only gzip, no by-hash and a Release with
 * SHA512 and MD5Sum alone, a repository with uncompressed indexes only,
 * and a flat repository (`deb … ./`). In each, the package apt downloads
 * has a tracked, trusted hash, and every index apt fetched was verified.
 */

import assert from "node:assert/strict";
import { buildDebianRepo, type RepoOptions } from "../helpers/debian_repo.ts";
import { type AptRootOptions, createAptRoot } from "../helpers/apt.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { sha256File } from "../helpers/archive.ts";
import { startTestDaemon } from "../helpers/daemon.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

/** apt's IndexTargets for the files apt-file, appstream and command-not-found add. */
const EXTRA_TARGETS = `
Acquire::IndexTargets::deb::Contents-deb {
  MetaKey "$(COMPONENT)/Contents-$(ARCHITECTURE)";
  ShortDescription "Contents-$(ARCHITECTURE)";
  Description "$(RELEASE)/$(COMPONENT) $(ARCHITECTURE) Contents (deb)";
};
Acquire::IndexTargets::deb::DEP-11 {
  MetaKey "$(COMPONENT)/dep11/Components-$(NATIVE_ARCHITECTURE).yml";
  ShortDescription "Components-$(NATIVE_ARCHITECTURE)";
  Description "$(RELEASE)/$(COMPONENT) $(NATIVE_ARCHITECTURE) DEP-11 Metadata";
  KeepCompressed "true";
};
Acquire::IndexTargets::deb::CNF {
  MetaKey "$(COMPONENT)/cnf/Commands-$(NATIVE_ARCHITECTURE)";
  ShortDescription "Commands-$(NATIVE_ARCHITECTURE)";
  Description "$(RELEASE)/$(COMPONENT) $(NATIVE_ARCHITECTURE) c-n-f Metadata";
};
`;

/**
 * Builds the repository, runs apt update and download through a daemon,
 * and checks the package and every file apt fetched. Returns what the
 * mirror served, for layout-specific checks.
 */
async function throughDaemon(
  repoOptions: RepoOptions,
  aptOptions: AptRootOptions = {},
): Promise<{ site: string; paths: string[]; releases: { release: string; trusted: boolean }[] }> {
  const repo = await buildDebianRepo([{ name: "kilo", payloadBytes: 30_000 }], repoOptions);
  const mirror = await MirrorServer.start(repo.root);
  await using daemon = await startTestDaemon({ trust: { keyrings: [repo.keyring] } });
  const site = mirror.authority;
  const apt = await createAptRoot(
    repo.sourceLine(`http://127.0.0.1:${daemon.port}/${site}`),
    aptOptions,
  );
  try {
    await apt.update();
    const download = await apt.aptGet(["download", "kilo"]);
    assert.equal(download.code, 0, download.output);
    const deb = repo.debs.get("kilo")!;
    assert.equal(await sha256File(`${apt.downloads}/kilo_1.0-1_all.deb`), deb.sha256);
    await daemon.pipeline.idle();
    await daemon.index.settled();
    const entry = daemon.index.lookup(`${site}/${repo.archivePath}/${deb.path}`);
    assert.equal(entry?.sha256, deb.sha256);
    assert.equal(entry?.trusted, true);
    // Every file the mirror served had a hash the daemon checked it against.
    const served = mirror.log.filter((r) => r.status === 200).map((r) => r.path);
    for (const path of served) {
      const known = daemon.index.lookup(`${site}${path}`);
      const signed = /\/(InRelease|Release(\.gpg)?)$/.test(path);
      assert.ok(signed || known?.sha256 || known?.sha512, `${path} was checked against a hash`);
    }
    const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
    return { site, paths: served, releases: stats.releases };
  } finally {
    await apt.cleanup();
    await mirror.stop();
    await repo.cleanup();
  }
}

Deno.test({
  ...options,
  name: "a security archive with an old-style suite (bookworm/updates) works through the daemon",
  async fn() {
    const { paths, releases } = await throughDaemon({
      archive: "debian-security",
      suite: "bookworm/updates",
    });
    assert.ok(paths.some((p) => p.startsWith("/debian-security/dists/bookworm/updates/")));
    assert.deepEqual(releases.map((r) => r.trusted), [true]);
  },
});

Deno.test({
  ...options,
  name:
    "an Ubuntu-style archive: several components, compressed-only indexes, Translation, Contents, DEP-11 and cnf files tracked",
  async fn() {
    const { paths } = await throughDaemon({
      archive: "ubuntu",
      suite: "noble-updates",
      components: ["main", "restricted", "universe", "multiverse"],
      uncompressed: false,
      extras: true,
    }, { config: EXTRA_TARGETS, languages: "en" });
    // apt asks by hash where the Release allows it; the check above saw each one verified.
    assert.ok(paths.some((p) => /\/main\/by-hash\//.test(p)), "Contents-amd64 was fetched");
    assert.ok(paths.some((p) => p.includes("/i18n/by-hash/")), "Translation-en was fetched");
    assert.ok(paths.some((p) => p.includes("/dep11/by-hash/")), "DEP-11 was fetched");
    assert.ok(paths.some((p) => p.includes("/cnf/by-hash/")), "cnf was fetched");
  },
});

Deno.test({
  ...options,
  name:
    "a third-party repository with only gzip, no by-hash, and a Release with only SHA512 and MD5Sum",
  async fn() {
    const { paths, releases } = await throughDaemon({
      archive: "repo",
      suite: "bookworm",
      compressions: ["gz"],
      byHash: false,
      releaseHashes: ["MD5", "SHA512"],
    });
    assert.ok(paths.some((p) => p.endsWith("/main/binary-amd64/Packages.gz")));
    assert.ok(!paths.some((p) => p.includes("by-hash")));
    assert.deepEqual(releases.map((r) => r.trusted), [true]);
  },
});

Deno.test({
  ...options,
  name: "a repository with uncompressed indexes only works through the daemon",
  async fn() {
    const { paths } = await throughDaemon({ archive: "plain", compressions: [], byHash: false });
    assert.ok(paths.some((p) => p.endsWith("/main/binary-amd64/Packages")));
  },
});

Deno.test({
  ...options,
  name:
    "a flat repository (deb … ./) without by-hash or xz works through the daemon, and its hashes are tracked and trusted",
  async fn() {
    const { site, releases } = await throughDaemon({ flat: true });
    assert.deepEqual(
      releases.map((r) => [r.release, r.trusted]),
      [[`${site}/debian/flat/InRelease`, true]],
    );
  },
});
