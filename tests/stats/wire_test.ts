/**
 * Bytes on the wire, heads included: what the daemon counts against what a
 * TCP relay between it and the other side really carried.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { buildArchive, bytes, sha256, writeFile } from "../helpers/archive.ts";
import { testSigner } from "../helpers/signing.ts";
import { readIndexes } from "../helpers/peer_world.ts";
import { startTcpRelay } from "../helpers/tcp_relay.ts";

const settle = () => new Promise((r) => setTimeout(r, 100));

Deno.test({
  name: "mirror traffic is counted to the byte, heads included, both ways",
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    await writeFile(root, "debian/pool/main/w/wire/wire_1_all.deb", bytes(200_000, 7));
    await writeFile(root, "debian/dists/stable/Release", "Suite: stable\n");
    const mirror = await MirrorServer.start(root);
    await using relay = startTcpRelay({ hostname: "127.0.0.1", port: mirror.port });
    await using daemon = await startTestDaemon({ cache: { index_freshness: 0 } });
    try {
      const site = `${daemon.base}/127.0.0.1:${relay.port}/debian`;
      for (const path of ["pool/main/w/wire/wire_1_all.deb", "pool/main/n/none_1_all.deb"]) {
        await (await fetch(`${site}/${path}`)).arrayBuffer();
      }
      await (await fetch(`${site}/dists/stable/Release`)).arrayBuffer();
      await (await fetch(`${site}/dists/stable/Release`)).arrayBuffer(); // revalidated: a 304
      await daemon.pipeline.idle();
      await settle();
      const { wire } = await (await fetch(`${daemon.base}/stats.json`)).json();
      assert.ok(relay.down() > 200_000);
      assert.equal(wire.mirror_out, relay.up(), "request heads sent");
      assert.equal(wire.mirror_in, relay.down(), "response heads and bodies received");
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "peer traffic is counted to the byte both ways: requests heard, heads and bodies sent",
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    const content = bytes(120_000, 9);
    // A signed index lists it: only such files are served to peers by hash.
    const signer = await testSigner();
    await buildArchive(root, { "peer_1_all.deb": content }, { signer });
    const mirror = await MirrorServer.start(root);
    await using daemon = await startTestDaemon({ trust: { keyrings: [signer.keyring] } });
    await using relay = startTcpRelay({ hostname: "127.0.0.1", port: daemon.port });
    try {
      await readIndexes(daemon, `${mirror.authority}/debian`);
      await (await fetch(
        `${daemon.base}/${mirror.authority}/debian/pool/main/p/peer/peer_1_all.deb`,
      ))
        .arrayBuffer();
      await daemon.pipeline.idle();
      const before = (await (await fetch(`${daemon.base}/stats.json`)).json()).wire;
      // As a peer asks: for the daemon's own address (the relay only carries the bytes).
      using client = Deno.createHttpClient({ allowHost: true });
      const ask = async (hash: string, headers: Record<string, string> = {}) => {
        const response = await fetch(`http://127.0.0.1:${relay.port}/~/${hash}`, {
          client,
          headers: { host: `127.0.0.1:${daemon.port}`, ...headers },
        });
        await response.arrayBuffer();
        return response.status;
      };
      assert.equal(await ask(sha256(content)), 200);
      assert.equal(await ask(sha256(content), { range: "bytes=1000-1999" }), 206);
      assert.equal(await ask("0".repeat(64)), 404);
      await settle();
      const after = (await (await fetch(`${daemon.base}/stats.json`)).json()).wire;
      const delta = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
      assert.equal(delta("peer_in"), relay.up(), "peers' request heads");
      const heads = [
        ...new TextDecoder("latin1").decode(relay.received()).matchAll(/HTTP\/1\.1 [^]*?\r\n\r\n/g),
      ].map((match) => match[0]);
      assert.equal(
        delta("peer_out"),
        relay.down(),
        `heads and bodies sent to peers: ${heads.join("\n\n")}`,
      );
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
