/**
 * pdiffs through the daemon: apt updates its Packages with patches and never
 * sends the patched file back, so the daemon patches its own copy (rred) to
 * learn the hashes of packages added since; a package known only from the
 * patched index is then verified and tracked like any other. When its own
 * copy does not patch to the Index's hash, the daemon fetches the whole
 * index instead.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { sha256File } from "../helpers/archive.ts";
import { startTestDaemon } from "../helpers/daemon.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...options,
  name:
    "apt updates with pdiffs through the daemon; the daemon patches its copy and knows the new packages' hashes",
  async fn() {
    const repo = await buildDebianRepo([{ name: "alpha", payloadBytes: 3_000 }, {
      name: "bravo",
      payloadBytes: 3_000,
    }]);
    const mirror = await MirrorServer.start(repo.root);
    await using daemon = await startTestDaemon({
      trust: { keyrings: [repo.keyring] },
      cache: { index_freshness: 0 }, // each apt update asks the mirror
    });
    const site = mirror.authority;
    const apt = await createAptRoot(repo.sourceLine(`http://127.0.0.1:${daemon.port}/${site}`));
    const binary = `${site}/debian/dists/${repo.suite}/main/binary-amd64`;
    const wholeIndexRequests = () =>
      mirror.log.filter((r) =>
        /binary-amd64\/(Packages(\.xz|\.gz)?|by-hash\/[^/]+\/\w+)$/.test(r.path)
      )
        .length;

    /** apt update; the new package downloaded; its hash known to the daemon and trusted. */
    const updateAndFetch = async (name: string) => {
      const output = await apt.update();
      await daemon.pipeline.idle();
      await daemon.index.settled();
      const deb = repo.debs.get(name)!;
      const entry = daemon.index.lookup(`${site}/debian/${deb.path}`);
      assert.equal(entry?.sha256, deb.sha256, `${name}'s hash is tracked`);
      assert.equal(entry?.trusted, true);
      const download = await apt.aptGet(["download", name]);
      assert.equal(download.code, 0, download.output);
      assert.equal(await sha256File(`${apt.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
      await daemon.pipeline.idle();
      return output;
    };

    try {
      await updateAndFetch("alpha");
      const fullFetches = wholeIndexRequests();
      assert.equal(fullFetches, 1, "apt fetched Packages once, whole");

      // Two more generations, each applied by apt as a patch; the second patches the daemon's
      // patched copy.
      for (const [step, name] of ["charlie", "delta"].entries()) {
        await repo.add([{ name, payloadBytes: 4_000 }], { pdiff: true });
        const output = await updateAndFetch(name);
        assert.match(output, /\.pdiff/, "apt used the diff");
        assert.equal(wholeIndexRequests(), fullFetches, "nobody fetched the whole index again");
        assert.equal(
          daemon.logLines.filter((l) => l.includes("pdiff.applied")).length,
          step + 1,
        );
      }
      const patches = mirror.log.filter((r) => /Packages\.diff\/T-[^/]+\.gz$/.test(r.path));
      assert.equal(patches.length, 2, "each patch left the mirror once (apt's and ours shared)");
      for (const patch of patches) {
        const entry = daemon.index.lookup(`${site}${patch.path}`);
        assert.ok(
          entry?.sha256 && entry.trusted,
          "patches have trusted hashes (peers may serve them)",
        );
      }
      assert.equal(
        (await Deno.stat(`${daemon.cacheDir}/${binary}/Packages`)).isFile,
        true,
        "the patched index is cached uncompressed",
      );

      // A cached copy that does not patch to the Index's hash (same size and mtime, so only the
      // result's hash can tell): the daemon fetches the whole index.
      const copy = `${daemon.cacheDir}/${binary}/Packages`;
      const { mtime } = await Deno.stat(copy);
      await Deno.writeTextFile(
        copy,
        (await Deno.readTextFile(copy)).replace("Package: alpha", "Package: alphx"),
      );
      await Deno.utime(copy, mtime!, mtime!);
      await repo.add([{ name: "echo", payloadBytes: 4_000 }], { pdiff: true });
      const output = await updateAndFetch("echo");
      assert.match(output, /\.pdiff/);
      assert.ok(
        daemon.logLines.some((l) =>
          l.includes("pdiff.fetching_whole") && l.includes("does not match the Index")
        ),
      );
      assert.equal(
        wholeIndexRequests(),
        fullFetches + 1,
        "the daemon fetched the whole index once",
      );
    } finally {
      await apt.cleanup();
      await mirror.stop();
      await repo.cleanup();
    }
  },
});
