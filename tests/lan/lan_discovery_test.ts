/**
 * LAN discovery on a real LAN of network namespaces: daemons configured
 * with nothing but `dht.lan_discovery = true` find each other, join the DHT
 * through each other and share what they fetched; one started later finds
 * the others at once, one killed is forgotten.
 */

import assert from "node:assert/strict";
import { createAptRoot } from "../helpers/apt.ts";
import { sha256File } from "../helpers/archive.ts";
import { cliArgs } from "../helpers/daemon_process.ts";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { lanSkipReason, startLan } from "../helpers/lan_namespaces.ts";
import {
  DAEMON_PORT,
  eventually,
  type LanDaemon,
  startLanDaemon,
  startLanWorld,
} from "../helpers/lan_world.ts";

const skip = lanSkipReason();
if (skip) console.log(`LAN tests skipped: ${skip}`);

const LAN_ONLY = "[dht]\nlan_discovery = true\n";
const lanNodes = async (daemon: LanDaemon) =>
  ((await daemon.stats()).lan.discovery?.nodes ?? []) as { address: string }[];

Deno.test({
  name:
    "three daemons with only lan_discovery find each other, and real apt-get installs three packages through each with the pool pulled from the mirror about once",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const packages = [
      { name: "lima", payloadBytes: 200_000 },
      { name: "mike", payloadBytes: 2_000_000 },
      { name: "november", payloadBytes: 6_000_000 },
    ];
    const repo = await buildDebianRepo(packages);
    await using world = await startLanWorld(repo, 3);
    const daemons: LanDaemon[] = [];
    for (const host of world.hosts) daemons.push(await world.startDaemon(host, LAN_ONLY));
    for (const daemon of daemons) {
      await eventually(
        async () => (await lanNodes(daemon)).length === 2,
        10_000,
        () => `${daemon.host.address}:\n${daemon.process.output().slice(-3000)}`,
      );
    }
    const firstFound = daemons.map((d) =>
      Number(/lan\.node_found.* after_ms=(\d+)/.exec(d.process.output())?.[1])
    );
    console.log(`first LAN node found after ${firstFound.join(", ")} ms`);
    // What the admin sees: apt-dht status and /metrics, in the first daemon's namespace.
    const status = await world.lan.run(
      daemons[0].host,
      Deno.execPath(),
      cliArgs("status", "--port", String(DAEMON_PORT)),
    );
    assert.match(
      status.output,
      /^LAN discovery: on \(eth0 10\.77\.0\.1\), 2 apt-dht nodes found: 10\.77\.0\.\d:9977, 10\.77\.0\.\d:9977$/m,
    );
    const metrics = await world.lan.run(daemons[0].host, Deno.execPath(), [
      "eval",
      `console.log(await (await fetch("http://127.0.0.1:${DAEMON_PORT}/metrics")).text())`,
    ]);
    assert.match(metrics.output, /^aptdht_lan_nodes 2$/m);

    const names = packages.map((p) => p.name);
    const poolBytes = names.reduce((sum, name) => sum + repo.debs.get(name)!.size, 0);
    try {
      for (const daemon of daemons) {
        const apt = await createAptRoot(world.line, { prefix: daemon.host.exec });
        try {
          await apt.update();
          const root = await apt.install(names);
          const installed = await Deno.readTextFile(`${root}/var/lib/dpkg/status`);
          for (const name of names) {
            const deb = repo.debs.get(name)!;
            assert.match(installed, new RegExp(`Package: ${name}\\nStatus: install ok installed`));
            assert.ok((await Deno.stat(`${root}/usr/share/${name}/payload`)).isFile);
            assert.equal(
              await sha256File(`${apt.dir}/cache/archives/${name}_1.0-1_all.deb`),
              deb.sha256,
              `${name} through ${daemon.host.address}`,
            );
          }
        } finally {
          await apt.cleanup();
        }
        // What it fetched is announced before the next machine asks.
        let announces = { announced: 0, held: 0, failed: 0 };
        await eventually(
          async () => {
            announces = (await daemon.stats()).dht!.announces!;
            return announces.announced >= announces.held && announces.held >= names.length;
          },
          15_000,
          () => `${daemon.host.address} did not announce: ${JSON.stringify(announces)}`,
        );
      }
      const sent = names.reduce((sum, name) => sum + world.mirrorBytes(`${name}_1.0-1_all.deb`), 0);
      console.log(
        `mirror sent ${sent} bytes of pool files for ${poolBytes} bytes of packages ` +
          `(${(sent / poolBytes).toFixed(2)}×) to three daemons`,
      );
      assert.ok(sent <= 1.2 * poolBytes, `mirror sent ${(sent / poolBytes).toFixed(2)}×`);
      for (const daemon of daemons.slice(1)) {
        assert.ok(
          ((await daemon.stats()).bytes.peer ?? 0) > 0,
          `${daemon.host.address} got bytes from peers`,
        );
      }
    } finally {
      await repo.cleanup();
    }
  },
});

Deno.test({
  name: "a daemon started after the others finds them within 5 s, and one killed is forgotten",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const repo = await buildDebianRepo([{ name: "oscar", payloadBytes: 10_000 }]);
    try {
      await using world = await startLanWorld(repo, 3);
      const [a, b] = [
        await world.startDaemon(world.hosts[0], LAN_ONLY),
        await world.startDaemon(world.hosts[1], LAN_ONLY),
      ];
      await eventually(async () => (await lanNodes(a)).length === 1, 10_000, () => "a finds b");
      await new Promise((r) => setTimeout(r, 3_000)); // the first two have settled
      const started = Date.now();
      const late = await world.startDaemon(world.hosts[2], LAN_ONLY);
      await eventually(
        async () => (await lanNodes(late)).length === 2,
        5_000 - (Date.now() - started),
        () => `late found ${late.process.output().match(/lan\.node_found[^\n]*/g)}`,
      );
      const foundIn = Date.now() - started;
      console.log(`a daemon started later found both others ${foundIn} ms after it was started`);
      assert.equal((await late.stats()).dht!.nodes, 2, "both are in its routing table");

      await b.process.kill();
      const killed = Date.now();
      for (const daemon of [a, late]) {
        await eventually(
          async () => {
            const stats = await daemon.stats();
            return stats.lan.discovery!.nodes.length === 1 && stats.dht!.nodes === 1;
          },
          45_000,
          () => `${daemon.host.address} still has ${world.hosts[1].address}`,
        );
      }
      console.log(`the killed daemon was forgotten ${Date.now() - killed} ms after its death`);
      assert.ok(
        !(await lanNodes(a)).some((n) => n.address === world.hosts[1].address),
        "a forgot b",
      );
    } finally {
      await repo.cleanup();
    }
  },
});

Deno.test({
  name: "on an IPv6-only LAN, daemons listening on :: find each other through the IPv6 group",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using lan = await startLan(2, { ipv6Only: true });
    const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
    try {
      const [a, b] = await Promise.all(
        lan.hosts.map((host, i) => startLanDaemon(lan, host, dirs[i], LAN_ONLY, "::")),
      );
      for (const [daemon, other] of [[a, b], [b, a]]) {
        await eventually(
          async () => (await lanNodes(daemon)).some((n) => n.address === other.host.address),
          10_000,
          () => `${daemon.host.address}:\n${daemon.process.output().slice(0, 3000)}`,
        );
        assert.equal((await daemon.stats()).dht!.nodes, 1);
      }
    } finally {
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a daemon whose LAN address comes after it started announces then, and is found",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using lan = await startLan(2);
    const [hostA, hostB] = lan.hosts;
    const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
    try {
      // b's interface has no address yet (DHCP has not answered): nothing to announce on.
      assert.equal((await lan.run(hostB, "ip", ["addr", "flush", "dev", "eth0"])).code, 0);
      const a = await startLanDaemon(lan, hostA, dirs[0], LAN_ONLY);
      const b = await startLanDaemon(lan, hostB, dirs[1], LAN_ONLY);
      await b.process.until(/lan\.discovery_started[^\n]*interfaces=none/);
      const up = Date.now();
      const add = await lan.run(hostB, "ip", ["addr", "add", `${hostB.address}/24`, "dev", "eth0"]);
      assert.equal(add.code, 0, add.output);
      await eventually(
        async () => (await lanNodes(a)).some((n) => n.address === hostB.address),
        10_000,
        () => b.process.output().slice(0, 3000),
      );
      console.log(`found ${Date.now() - up} ms after its address came up`);
    } finally {
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});
