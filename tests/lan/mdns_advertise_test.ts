/**
 * mDNS advertising on a real LAN of network namespaces: an independent
 * DNS-SD browser (npm bonjour-service, in its own process) on an allowed
 * client resolves `_apt_proxy._tcp` to the daemon's address and port, and
 * real apt configured with that answer as its proxy fetches a package; a
 * neighbour that is not an allowed client gets no answer, and a daemon for
 * loopback clients only advertises on no interface.
 */

import assert from "node:assert/strict";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { lanSkipReason } from "../helpers/lan_namespaces.ts";
import { DAEMON_PORT, eventually, MIRROR_PORT, startLanWorld } from "../helpers/lan_world.ts";

const skip = lanSkipReason();
if (skip) console.log(`LAN tests skipped: ${skip}`);
const BROWSE = new URL("../helpers/mdns_browse.ts", import.meta.url).pathname;

Deno.test({
  name:
    "an independent mDNS browser on an allowed client resolves _apt_proxy._tcp to the daemon, and apt through that answer installs a package",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "quebec", payloadBytes: 150_000 }]);
    try {
      // Hosts: the daemon (10.77.0.1), an allowed client (.2), a stranger (.3), the mirror (.4).
      await using world = await startLanWorld(repo, 3);
      const [server, client, stranger] = world.hosts;
      const daemon = await world.startDaemon(
        server,
        '[server]\nadvertise = true\nallowed_clients = ["127.0.0.0/8", "10.77.0.1", "10.77.0.2"]\n',
      );
      await daemon.process.until(/mdns\.advertising/);
      const browse = (host: typeof client) =>
        world.lan.run(host, Deno.execPath(), [
          "run",
          "--quiet",
          "-P=test",
          BROWSE,
          host.address,
          "5",
        ]);

      const started = Date.now();
      const found = await browse(client);
      assert.equal(found.code, 0, found.output);
      const service = JSON.parse(found.output.trim().split("\n").at(-1)!);
      console.log(`resolved in ${Date.now() - started} ms: ${JSON.stringify(service)}`);
      assert.equal(service.port, DAEMON_PORT);
      assert.deepEqual(service.addresses, [server.address]);
      assert.match(service.name, /^apt-dht on /);

      // A neighbour that is not an allowed client is not answered (what is multicast to the
      // group, it may still overhear: mDNS is the link's), and a daemon whose clients are
      // loopback only advertises on no interface.
      await eventually(
        async () => (await daemon.stats()).lan.advertise!.counters.announcements === 2,
        5_000,
        () => "the start announcements went out",
      );
      const overheard = await browse(stranger);
      assert.equal(overheard.code, 1, `the stranger found: ${overheard.output}`);
      assert.ok(
        (await daemon.stats()).lan.advertise!.counters.refused_client >= 1,
        `the stranger's query was refused: ${JSON.stringify((await daemon.stats()).lan.advertise)}`,
      );
      const loopbackOnly = await world.startDaemon(stranger, "[server]\nadvertise = true\n");
      await loopbackOnly.process.until(/mdns\.no_interface/);
      assert.deepEqual((await loopbackOnly.stats()).lan.advertise!.interfaces, []);

      // apt set up from the answer alone: the mirror's own URL, the daemon as its proxy.
      const proxy = `http://${service.addresses[0]}:${service.port}`;
      const apt = await createAptRoot(
        repo.sourceLine(`http://${world.mirrorHost.address}:${MIRROR_PORT}`),
        { prefix: client.exec },
      );
      try {
        await apt.update({ proxy });
        const download = await apt.aptGet(["download", "quebec"], { proxy });
        assert.equal(download.code, 0, download.output);
        assert.equal(
          await sha256File(`${apt.downloads}/quebec_1.0-1_all.deb`),
          repo.debs.get("quebec")!.sha256,
        );
      } finally {
        await apt.cleanup();
      }
      assert.match(
        daemon.process.output(),
        new RegExp(
          `client=${client.address.replaceAll(".", "\\.")} [^\\n]*quebec_1\\.0-1_all\\.deb`,
        ),
        "apt went through the daemon",
      );
      const stats = await daemon.stats();
      assert.deepEqual(stats.lan.advertise!.interfaces, [`eth0 ${server.address}`]);
      assert.equal(stats.lan.discovery, null, "discovery stays off unless configured");
    } finally {
      await repo.cleanup();
    }
  },
});
