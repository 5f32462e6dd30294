/**
 * kill -9 while an 80,000-stanza Packages.xz is arriving or being read,
 * then a restart: the index is read again from the cache (or, when apt
 * never got the whole file, on apt's next request), and a pool file it
 * lists is served verified and may be announced.
 */

import assert from "node:assert/strict";
import { writeSyntheticPackages } from "../../scripts/bench/synthetic_packages.ts";
import { bytes, sha256, writeFile } from "../helpers/archive.ts";
import { cliCommand, spawnDaemon } from "../helpers/daemon_process.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { testSigner } from "../helpers/signing.ts";

const STANZAS = 80_000;
const POOL_PATH = "pool/main/z/zz-kill/zz-kill_1.0_all.deb";

/** A signed archive whose only index is a synthetic Packages.xz; the real pool file is listed last. */
async function buildLargeArchive(root: string, keyringDir: string) {
  const signer = await testSigner();
  const pool = bytes(70_000, 7);
  await writeFile(root, `debian/${POOL_PATH}`, pool);
  const dist = `${root}/debian/dists/stable`;
  await Deno.mkdir(`${dist}/main/binary-amd64`, { recursive: true });
  const files = await writeSyntheticPackages(`${dist}/main/binary-amd64`, STANZAS, {
    xzLevel: 2,
    extra: `Package: zz-kill\nVersion: 1.0\nArchitecture: all\nFilename: ${POOL_PATH}\n` +
      `Size: ${pool.length}\nSHA256: ${sha256(pool)}\n`,
  });
  const plain = sha256(await Deno.readFile(files.plain));
  await Deno.remove(files.plain); // as on Debian's mirrors: only compressed copies
  const xz = await Deno.readFile(files.xz);
  const release = `Origin: Test\nSuite: stable\nCodename: stable\nSHA256:\n` +
    ` ${sha256(xz)} ${xz.length} main/binary-amd64/Packages.xz\n` +
    ` ${plain} ${files.bytes} main/binary-amd64/Packages\n`;
  await Deno.writeTextFile(`${dist}/InRelease`, await signer.clearsign(release));
  await Deno.copyFile(signer.keyring, `${keyringDir}/archive.gpg`);
  return { pool, xzBytes: xz.length };
}

const daemonCommand = (config: string) => cliCommand(["run", "--config", config]);

async function readAll(response: Response, stopAfter = Infinity): Promise<number> {
  let got = 0;
  const reader = response.body!.getReader();
  while (got < stopAfter) {
    const { done, value } = await reader.read();
    if (done) return got;
    got += value.length;
  }
  await reader.cancel();
  return got;
}

Deno.test({
  name:
    "kill -9 during an 80,000-stanza ingest: after a restart the index is read again and its pool file served verified",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "apt-dht-kill-" });
    await Deno.mkdir(`${dir}/keys`);
    const { pool, xzBytes } = await buildLargeArchive(`${dir}/mirror`, `${dir}/keys`);
    const mirror = await MirrorServer.start(`${dir}/mirror`);
    let cutMidIngest = 0;
    try {
      // "body": during the transfer of Packages.xz; a number: ms after apt had all of it.
      for (const when of ["body", 0, 150, 400, 900] as const) {
        const run = `${dir}/run-${when}`;
        const config = `${run}/apt-dht.toml`;
        await Deno.mkdir(run);
        await Deno.writeTextFile(
          config,
          `[server]\nlisten = "127.0.0.1"\nport = 0\n[cache]\ndirectory = "${run}/cache"\n` +
            `[state]\ndirectory = "${run}/state"\n[dht]\nenabled = false\n` +
            `[trust]\napt_keyrings = false\nkeyrings = ["${dir}/keys/archive.gpg"]\n`,
        );
        const url = (port: number, path: string) =>
          `http://127.0.0.1:${port}/${mirror.authority}/debian/${path}`;
        const update = async (port: number, cut: boolean) => {
          assert.equal((await fetch(url(port, "dists/stable/InRelease"))).status, 200);
          const response = await fetch(url(port, "dists/stable/main/binary-amd64/Packages.xz"));
          assert.equal(response.status, 200);
          return await readAll(response, cut ? xzBytes / 3 : Infinity);
        };

        const first = await spawnDaemon(daemonCommand(config));
        let complete = false;
        let ingestedFirst = false;
        try {
          const got = await update(first.port, when === "body");
          complete = got === xzBytes;
          assert.equal(complete, when !== "body", `${when}: read ${got} of ${xzBytes}`);
          if (typeof when === "number") await new Promise((r) => setTimeout(r, when));
          if (complete && !/index\.ingested key=\S+Packages\.xz/.test(first.log())) cutMidIngest++;
        } finally {
          first.child.kill("SIGKILL");
          await first.child.status;
          await new Promise((r) => setTimeout(r, 100)); // the last of its log
          // A fast machine may finish reading the index before a late kill: nothing to resume.
          ingestedFirst = /index\.ingested key=\S+Packages\.xz/.test(first.log());
        }

        await using second = await spawnDaemon(daemonCommand(config));
        if (complete && !ingestedFirst) {
          // apt has the whole index and will not ask for it again.
          await second.until(/index\.ingest_resumed key=\S+Packages\.xz/, 20_000);
          assert.equal((await fetch(url(second.port, "dists/stable/InRelease"))).status, 200);
        } else if (!complete) {
          assert.equal(await update(second.port, false), xzBytes); // apt's next update
        }
        if (!ingestedFirst) {
          await second.until(
            /index\.ingested key=\S+Packages\.xz kind=packages entries=80001/,
            60_000,
          );
        }
        const response = await fetch(url(second.port, POOL_PATH));
        assert.equal(response.status, 200);
        assert.equal(sha256(new Uint8Array(await response.arrayBuffer())), sha256(pool));
        // Served by hash only what a trusted index lists, i.e. what may be announced.
        const byHash = await fetch(`http://127.0.0.1:${second.port}/~/${sha256(pool)}`);
        await byHash.body?.cancel();
        assert.equal(byHash.status, 200, `${when}: ${second.log()}`);
        assert.equal(await second.stop(), 0);
      }
      assert.ok(cutMidIngest >= 1, "no kill landed while the index was being read");
    } finally {
      await mirror.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
