/**
 * The daemon resolves a mirror's name itself and moves to the next address
 * when one errs: real apt against a name (from a loopback DNS server) with
 * three addresses, one serving a corrupt or missing file, one refusing
 * connections, one good. apt gets the right bytes each time, the `Host`
 * header keeps the name, and later requests start at the address that
 * worked.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { sha256File } from "../helpers/archive.ts";
import { startTestDaemon } from "../helpers/daemon.ts";
import { startDnsServer } from "../helpers/dns_server.ts";

const options = { sanitizeResources: false, sanitizeOps: false };

/** Mirrors on 127.0.0.1 and 127.0.0.3 with one port; nothing listens on 127.0.0.2. */
async function mirrorsOnOnePort(root: string): Promise<[MirrorServer, MirrorServer]> {
  for (let tries = 0;; tries++) {
    const first = await MirrorServer.start(root, "127.0.0.1");
    try {
      return [first, await MirrorServer.start(root, "127.0.0.3", first.port)];
    } catch (error) {
      await first.stop();
      if (tries >= 5) throw error;
    }
  }
}

Deno.test({
  ...options,
  name:
    "a mirror name with several addresses: a corrupt file, a missing listed file and a dead address are rotated past",
  async fn() {
    const repo = await buildDebianRepo([
      { name: "alpha", payloadBytes: 20_000 },
      { name: "bravo", payloadBytes: 20_000 },
      { name: "charlie", payloadBytes: 20_000 },
    ]);
    const [broken, good] = await mirrorsOnOnePort(repo.root);
    await using dns = startDnsServer({ "mirror.test": ["127.0.0.1", "127.0.0.2", "127.0.0.3"] });
    const config = {
      upstream: { dns_servers: [dns.address] },
      trust: { keyrings: [repo.keyring] },
    };
    const site = `mirror.test:${broken.port}`;
    const pool = (name: string) => `/debian/${repo.debs.get(name)!.path}`;
    const fetchThrough = async (port: number, names: string[]) => {
      const apt = await createAptRoot(repo.sourceLine(`http://127.0.0.1:${port}/${site}`));
      try {
        await apt.update();
        const download = await apt.aptGet(["download", ...names]);
        assert.equal(download.code, 0, download.output);
        for (const name of names) {
          assert.equal(
            await sha256File(`${apt.downloads}/${name}_1.0-1_all.deb`),
            repo.debs.get(name)!.sha256,
            `${name} arrived intact`,
          );
        }
      } finally {
        await apt.cleanup();
      }
    };
    try {
      // 1. The first address sends alpha with a wrong last byte (the byte the daemon holds back
      // until the hash is checked, so apt never sees it); the second refuses; the third delivers.
      const last = repo.debs.get("alpha")!.size - 1;
      broken.faults.set(pool("alpha"), { kind: "corrupt", offset: last });
      {
        await using daemon = await startTestDaemon(config);
        await fetchThrough(daemon.port, ["alpha"]);
        assert.equal(broken.requestsFor(pool("alpha")).length, 1);
        assert.equal(good.requestsFor(pool("alpha")).length, 1);
        assert.equal(good.requestsFor(pool("alpha"))[0].headers.get("host"), site);
        assert.ok(daemon.logLines.some((l) => l.includes("download.next_address")));
        // Later requests start at the address that worked.
        await fetchThrough(daemon.port, ["bravo"]);
        assert.equal(broken.requestsFor(pool("bravo")).length, 0);
        assert.equal(good.requestsFor(pool("bravo")).length, 1);
      }
      // 2. A fresh daemon: the first address answers 404 for a file the index lists.
      broken.faults.set(pool("charlie"), { kind: "status", status: 404 });
      {
        await using daemon = await startTestDaemon(config);
        await fetchThrough(daemon.port, ["charlie"]);
        assert.equal(broken.requestsFor(pool("charlie")).length, 1);
        assert.equal(good.requestsFor(pool("charlie")).length, 1);
      }
      assert.ok(dns.questions.includes("A mirror.test"), "the daemon asked DNS itself");
    } finally {
      await broken.stop();
      await good.stop();
      await repo.cleanup();
    }
  },
});
