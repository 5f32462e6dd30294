/**
 * `deno task deb`: the package is built (here without a compiled binary, so
 * with the bundle and the Deno runtime), its control data and contents are
 * checked, lintian finds no error, and the extracted `apt-dht` serves real
 * apt with the packaged configuration.
 */

import assert from "node:assert/strict";
import { buildDeb } from "../../scripts/deb.ts";
import { VERSION } from "../../src/version.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { aptDownloadsThrough, localRunArgs, spawnDaemon } from "../helpers/daemon_process.ts";

async function run(command: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

Deno.test({
  name:
    "the .deb has its control data, conffiles and hardened unit, passes lintian, and its apt-dht serves apt",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "apt-dht-deb-test-" });
    const repo = await buildDebianRepo([{ name: "kilo", payloadBytes: 25_000 }]);
    const mirror = await MirrorServer.start(repo.root);
    try {
      const { path, kind } = await buildDeb({ outputDir: `${dir}/out` });
      assert.equal(kind, "bundle");
      const arch = (await run("dpkg", ["--print-architecture"])).stdout.trim();
      assert.equal(path, `${dir}/out/apt-dht_${VERSION}_${arch}.deb`);

      const field = async (name: string) =>
        (await run("dpkg-deb", ["-f", path, name])).stdout.trim();
      assert.equal(await field("Package"), "apt-dht");
      assert.equal(await field("Version"), VERSION);
      assert.equal(await field("Architecture"), arch);
      assert.match(await field("Depends"), /\badduser\b/);
      assert.match(await field("Description"), /^peer-to-peer proxy for apt\n /);

      const listing = (await run("dpkg-deb", ["-c", path])).stdout;
      for (
        const file of [
          "./usr/bin/apt-dht",
          "./usr/lib/apt-dht/apt-dht.js",
          "./usr/lib/apt-dht/deno",
          "./etc/apt-dht/apt-dht.toml",
          "./etc/apt/apt.conf.d/30apt-dht-proxy",
          "./lib/systemd/system/apt-dht.service",
          "./usr/share/doc/apt-dht/copyright",
          "./usr/share/man/man1/apt-dht.1.gz",
        ]
      ) assert.match(listing, new RegExp(` ${file.replace(/\./g, "\\.")}\n`), file);
      for (const line of listing.trim().split("\n")) {
        assert.match(line, /^\S+ root\/root /, `owned by root: ${line}`);
      }

      const control = `${dir}/control`;
      assert.equal((await run("dpkg-deb", ["-e", path, control])).code, 0);
      assert.deepEqual(
        (await Deno.readTextFile(`${control}/conffiles`)).trim().split("\n").sort(),
        ["/etc/apt-dht/apt-dht.toml", "/etc/apt/apt.conf.d/30apt-dht-proxy"],
      );
      for (const script of ["postinst", "prerm", "postrm"]) {
        assert.equal((await Deno.stat(`${control}/${script}`)).mode! & 0o777, 0o755, script);
        const syntax = await run("sh", ["-n", `${control}/${script}`]);
        assert.equal(syntax.code, 0, `${script}: ${syntax.stderr}`);
      }
      assert.match(await Deno.readTextFile(`${control}/postinst`), /adduser --system/);

      const root = `${dir}/root`;
      assert.equal((await run("dpkg-deb", ["-x", path, root])).code, 0);
      const unit = await Deno.readTextFile(`${root}/lib/systemd/system/apt-dht.service`);
      for (
        const setting of [
          "User=apt-dht",
          "ExecStart=/usr/bin/apt-dht run",
          "ProtectSystem=strict",
          "NoNewPrivileges=true",
          "StateDirectory=apt-dht",
          "CacheDirectory=apt-dht",
        ]
      ) assert.match(unit, new RegExp(`^${setting}$`, "m"), setting);
      assert.doesNotMatch(unit, /^MemoryDenyWriteExecute/m, "V8 cannot run under it");
      const snippet = await Deno.readTextFile(
        `${root}/etc/apt/apt.conf.d/30apt-dht-proxy`,
      );
      // Owned by the package (so a purge takes it away), off until the admin uncomments it.
      assert.match(snippet, /^\/\/ Acquire::http::Proxy "http:\/\/localhost:9977\/";$/m);
      assert.doesNotMatch(snippet, /^Acquire::/m);

      // The packaged configuration is valid and puts state where the unit lets it write.
      const packaged = await loadConfig({
        configPath: `${root}/etc/apt-dht/apt-dht.toml`,
        systemPath: "/nonexistent",
      });
      assert.equal(packaged.cache.directory, "/var/cache/apt-dht");
      assert.equal(packaged.state.directory, "/var/lib/apt-dht");
      assert.deepEqual(packaged.dht.bootstrap, [], "nothing beyond the machine by default");
      // A LAN is what the package is for: discovery and advertising on (the embedded defaults: off).
      assert.equal(packaged.dht.lanDiscovery, true);
      assert.equal(packaged.server.advertise, true);

      const lintian = await run("lintian", ["--fail-on", "error", path]);
      assert.equal(lintian.code, 0, `lintian:\n${lintian.stdout}${lintian.stderr}`);
      assert.doesNotMatch(lintian.stdout, /^E: /m, lintian.stdout);
      // apt-dht(1) is there, and lintian, at every level down to pedantic, says nothing of it.
      await Deno.stat(`${root}/usr/share/man/man1/apt-dht.1.gz`);
      const pedantic = await run("lintian", ["--display-info", "--pedantic", path]);
      assert.doesNotMatch(
        pedantic.stdout,
        /manpage|man1|groff|hyphen/i,
        `lintian on the man page:\n${pedantic.stdout}`,
      );

      // The extracted program, with the packaged config, serves real apt.
      const binary = `${root}/usr/bin/apt-dht`;
      assert.equal((await run(binary, ["version"])).stdout.trim(), `apt-dht ${VERSION}`);
      await using daemon = await spawnDaemon(
        new Deno.Command(binary, {
          args: localRunArgs(dir, "--config", `${root}/etc/apt-dht/apt-dht.toml`),
          env: { HOME: "/proc/nonexistent", DENO_DIR: "/proc/nonexistent/deno" },
          stdout: "null",
          stderr: "piped",
        }),
      );
      // On loopback (as tests listen) the LAN hears nothing: no interface to announce on.
      await daemon.until(/lan\.discovery_started.*interfaces=none/);
      assert.match(daemon.log(), /mdns\.no_interface/);
      await aptDownloadsThrough(daemon.port, repo, mirror, "kilo");
      assert.equal(await daemon.stop(), 0);
    } finally {
      await mirror.stop();
      await repo.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
