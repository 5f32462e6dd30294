/**
 * https archives, with real apt against a signed repository on an https
 * mirror on loopback (a throw-away CA made for the test): through the
 * rewrite form (`/https/<host>/…`: fetched over TLS by the daemon, cached,
 * and shared with a second daemon over the DHT), and in proxy mode, where
 * apt's `CONNECT` is tunnelled to the mirror and nothing is cached.
 */

import assert from "node:assert/strict";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { startTestDaemon } from "../helpers/daemon.ts";
import { startDhtNetwork } from "../helpers/dht_network.ts";
import { announced } from "../helpers/peer_world.ts";
import { startHttpsRepo } from "../helpers/https_repo.ts";

const PACKAGES = [
  { name: "hotel", payloadBytes: 40_000 },
  { name: "india", payloadBytes: 300_000 },
];

Deno.test({
  name:
    "apt-get through /https/<host>/: update and download over TLS, the second time from the cache, then from a peer",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using world = await startHttpsRepo(PACKAGES);
    const { repo, ca, mirror } = world;
    const network = await startDhtNetwork(5);
    const bootstrap = [`${network.nodes[0].local.address}:${network.nodes[0].local.port}`];
    const config = {
      dht: { bootstrap },
      trust: { keyrings: [repo.keyring] },
      upstream: { ca_files: [ca.caFile] },
    };
    const a = await startTestDaemon(config);
    const b = await startTestDaemon(config);
    const stranger = await startTestDaemon({ trust: { keyrings: [repo.keyring] } });
    const roots: { cleanup(): Promise<void> }[] = [];
    const through = async (daemon: typeof a) => {
      const root = await createAptRoot(
        repo.sourceLine(`http://127.0.0.1:${daemon.port}/https/${mirror.authority}`),
      );
      roots.push(root);
      return root;
    };
    try {
      // 1. Everything from the https mirror, through the daemon.
      const first = await through(a);
      await first.update();
      const download = await first.aptGet(["download", "hotel", "india"]);
      assert.equal(download.code, 0, download.output);
      for (const { name } of PACKAGES) {
        const deb = repo.debs.get(name)!;
        assert.equal(await sha256File(`${first.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
        // Cached under the https form's key, apart from any http copy of the same host.
        assert.equal(
          await sha256File(`${a.cacheDir}/https/${mirror.authority}/debian/${deb.path}`),
          deb.sha256,
        );
      }
      assert.ok(mirror.requestsFor("/InRelease").some((r) => r.status === 200));

      // 2. A fresh apt through the same daemon: the pool files come from the cache.
      const second = await through(a);
      await second.update();
      const again = await second.aptGet(["download", "hotel", "india"]);
      assert.equal(again.code, 0, again.output);
      for (const { name } of PACKAGES) {
        assert.equal(mirror.requestsFor(`${name}_1.0-1_all.deb`).length, 1, name);
      }

      // 3. apt through a second daemon: the packages come from the first, not the mirror.
      await a.pipeline.idle();
      await announced(a, a.announcer!.size);
      const viaB = await through(b);
      await viaB.update();
      const fromPeer = await viaB.aptGet(["download", "hotel", "india"]);
      assert.equal(fromPeer.code, 0, fromPeer.output);
      for (const { name } of PACKAGES) {
        const deb = repo.debs.get(name)!;
        assert.equal(await sha256File(`${viaB.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
        assert.equal(mirror.requestsFor(`${name}_1.0-1_all.deb`).length, 1, `${name} left once`);
        assert.ok(
          b.logLines.some((l) => l.includes(`${name}_1.0-1_all.deb`) && l.includes("source=peer")),
          `${name} came from the peer`,
        );
      }

      // 4. A daemon that does not trust the mirror's CA gets nothing from it.
      const requestsBefore = mirror.log.length;
      const untrusting = await through(stranger);
      const refused = await untrusting.aptGet(["update"]);
      assert.match(refused.output, /Err:.*InRelease|Failed to fetch/, refused.output);
      assert.equal(mirror.log.length, requestsBefore, "no request got past the TLS handshake");
      assert.ok(
        stranger.logLines.some((l) =>
          /upstream_failed.*invalid peer certificate: UnknownIssuer/.test(l)
        ),
        `the daemon logged why: ${
          stranger.logLines.filter((l) => l.includes("InRelease")).join("\n")
        }`,
      );
    } finally {
      for (const root of roots) await root.cleanup();
      for (const daemon of [a, b, stranger]) await daemon[Symbol.asyncDispose]();
      await network.stop();
    }
  },
});

/** Sends `CONNECT target` and reads until the daemon closes: the status line and the body. */
async function connectRefused(
  port: number,
  target: string,
): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
  );
  const text = new TextDecoder().decode(
    new Uint8Array(await new Response(conn.readable).arrayBuffer()),
  );
  return { status: Number(text.split(" ")[1]), text };
}

Deno.test({
  name:
    "proxy mode: apt's https source goes through a CONNECT tunnel end to end, uncached; CONNECT elsewhere is refused",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using world = await startHttpsRepo(PACKAGES);
    const { repo, ca, mirror } = world;
    // The mirror is on loopback, on its own port: a tunnel may go there because it is a configured
    // https mirror. `localhost` is named so that the check after resolving it can be seen.
    await using daemon = await startTestDaemon({
      server: { connect_pass_through: ["*.debian.org", "127.0.0.1", "localhost"] },
      mirrors: { local: { upstreams: [`https://${mirror.authority}/debian`] } },
    });
    await using closed = await startTestDaemon({ server: { allowed_clients: ["10.9.9.9/32"] } });
    const apt = await createAptRoot(repo.sourceLine(`https://${mirror.authority}`), {
      config: `Acquire::https::CaInfo "${ca.caFile}";\n`,
    });
    try {
      const proxy = `http://127.0.0.1:${daemon.port}`;
      await apt.update({ proxy });
      const download = await apt.aptGet(["download", "hotel", "india"], { proxy });
      assert.equal(download.code, 0, download.output);
      let debBytes = 0;
      for (const { name } of PACKAGES) {
        const deb = repo.debs.get(name)!;
        assert.equal(await sha256File(`${apt.downloads}/${name}_1.0-1_all.deb`), deb.sha256);
        // apt itself asked the mirror (its own User-Agent), through the tunnel.
        const asked = mirror.requestsFor(`${name}_1.0-1_all.deb`);
        assert.equal(asked.length, 1, name);
        assert.match(asked[0].headers.get("user-agent") ?? "", /APT/);
        debBytes += deb.size;
      }
      const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
      assert.ok(stats.tunnels.opened >= 1, JSON.stringify(stats.tunnels));
      assert.ok(stats.wire.tunnel_in > debBytes, JSON.stringify(stats.wire));
      assert.ok(stats.wire.tunnel_out > 0, JSON.stringify(stats.wire));
      assert.equal(stats.bytes.mirror ?? 0, 0, "nothing was served as a file");
      const cached = [...Deno.readDirSync(daemon.cacheDir)].map((e) => e.name);
      assert.deepEqual(cached.filter((name) => !name.startsWith(".")), [], "nothing was cached");

      // Refusals: each a 403 that names the rewrite form, and the connection closes.
      const refusals: [number, string, RegExp][] = [
        [closed.port, `${mirror.authority}`, /may not use this proxy/],
        [daemon.port, "security.debian.org:22", /port 443 only, not 22/],
        [daemon.port, "example.org:443", /example\.org is not passed through/],
        [daemon.port, "127.0.0.1:443", /loopback address \(127\.0\.0\.1\)/],
        [daemon.port, "localhost:443", /localhost to a loopback address/],
      ];
      for (const [port, target, reason] of refusals) {
        const { status, text } = await connectRefused(port, target);
        assert.equal(status, 403, `${target}: ${text}`);
        assert.match(text, reason, target);
        if (port === daemon.port) assert.match(text, /\/https\/.*apt-dht apt-sources/, target);
      }
    } finally {
      await apt.cleanup();
    }
  },
});
