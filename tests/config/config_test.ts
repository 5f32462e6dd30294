import assert from "node:assert/strict";
import { ConfigError, loadConfig, parseCommandLine } from "../../src/config/mod.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { defaultConfig } from "../../src/config/schema.ts";

const env = { uid: 1000, home: "/home/u" };

Deno.test("defaultConfig() listens on 9977, allows loopback only, and uses per-user directories", () => {
  const config = defaultConfig(env);
  assert.equal(config.server.port, 9977);
  assert.equal(config.server.listen, "0.0.0.0");
  assert.deepEqual(config.server.allowedClients.map((c) => c.text), ["127.0.0.0/8", "::1/128"]);
  assert.equal(config.cache.directory, "/home/u/.cache/apt-dht");
  assert.equal(config.state.directory, "/home/u/.local/state/apt-dht");
  assert.equal(config.cache.indexFreshness, 30);
  // Nothing beyond the machine: no multicast, no mDNS.
  assert.equal(config.dht.lanDiscovery, false);
  assert.equal(config.server.advertise, false);
  // CONNECT to any host's port 443 (pass_through.ts keeps it to public addresses).
  assert.deepEqual(config.server.connectPassThrough, ["*"]);
  assert.deepEqual(config.upstream.caFiles, []);
  assert.equal(
    parseConfigText("[dht]\nlan_discovery = true\n[server]\nadvertise = true", "f.toml").values
      .get("dht.lan_discovery"),
    true,
  );
  assert.equal(defaultConfig({ uid: 0 }).cache.directory, "/var/cache/apt-dht");
  assert.equal(defaultConfig({ uid: 0 }).state.directory, "/var/lib/apt-dht");
});

Deno.test("loadConfig() layers system file, --config file and flags in that order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/system.toml`,
      `
[server]
port = 1111
listen = "127.0.0.1"
[mirrors.debian]
upstreams = ["https://deb.debian.org/debian/"]
`,
    );
    await Deno.writeTextFile(
      `${dir}/user.toml`,
      `
[server]
port = 2222
[cache]
index_freshness = 5
[mirrors.local]
upstreams = ["http://mirror.lan/debian", "http://backup.lan/debian"]
`,
    );
    const config = await loadConfig({
      systemPath: `${dir}/system.toml`,
      configPath: `${dir}/user.toml`,
      overrides: parseCommandLine(["--port", "3333", "--allow", "10.0.0.0/8,::1"]).overrides,
    }, env);
    assert.equal(config.server.port, 3333);
    assert.equal(config.server.listen, "127.0.0.1");
    assert.equal(config.cache.indexFreshness, 5);
    assert.deepEqual(config.server.allowedClients.map((c) => c.text), ["10.0.0.0/8", "::1"]);
    assert.deepEqual(config.mirrors.get("debian")?.upstreams, ["https://deb.debian.org/debian"]);
    assert.deepEqual(config.mirrors.get("local")?.upstreams, [
      "http://mirror.lan/debian",
      "http://backup.lan/debian",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig() skips a missing system file but not a missing --config file", async () => {
  const config = await loadConfig({ systemPath: "/nonexistent/apt-dht.toml" }, env);
  assert.equal(config.server.port, 9977);
  await assert.rejects(
    loadConfig({ systemPath: "/nonexistent/a.toml", configPath: "/nonexistent/b.toml" }, env),
    (error: unknown) =>
      error instanceof ConfigError && error.message === "/nonexistent/b.toml: file not found",
  );
});

Deno.test("invalid values fail with the file, the key and what was expected", () => {
  const cases: [string, RegExp][] = [
    [
      "[server]\nport = 70000",
      /^f\.toml:2: server\.port: expected an integer from 0 to 65535, got 70000$/,
    ],
    ['[server]\nport = "x"', /server\.port: expected an integer/],
    [
      '[server]\nallowed_clients = ["10.0.0.0/33"]',
      /server\.allowed_clients\[0\]: expected an address or CIDR/,
    ],
    [
      "[server]\nlisten_on = 1",
      /server\.listen_on: unknown key \(expected one of: listen, port, status_public, advertise, header_timeout, /,
    ],
    ["[serve]\nport = 1", /^f\.toml:1: serve: unknown section/],
    ['[log]\nlevel = "loud"', /log\.level: expected one of debug, info, warn, error, got "loud"/],
    ["[upstream]\nidle_timeout = -1", /upstream\.idle_timeout: expected a number of seconds/],
    [
      '[mirrors.x]\nupstreams = ["ftp://a/b"]',
      /mirrors\.x\.upstreams\[0\]: expected an http:\/\/ or https:\/\/ URL/,
    ],
    ["[mirrors.x]\nupstreams = []", /mirrors\.x\.upstreams: expected a non-empty list/],
    ['[mirrors."a b"]\nupstreams = ["http://a/"]', /mirrors\.a b: alias names may use/],
    ['[mirrors.https]\nupstreams = ["http://a/"]', /mirrors\.https: "https" is reserved/],
    [
      '[server]\nconnect_pass_through = ["*debian.org"]',
      /server\.connect_pass_through\[0\]: expected "\*", "\*\.example\.org" or a host name/,
    ],
    ['[server]\nconnect_pass_through = "*"', /connect_pass_through: expected a list of host/],
    ['[upstream]\nca_files = ["ca.pem"]', /upstream\.ca_files: expected a list of absolute PEM/],
    ["[server\nport = 1", /^f\.toml:1:8: not valid TOML: /],
    ['[log]\nlevel = "debug\n', /^f\.toml:2:15: not valid TOML: control characters/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseConfigText(text, "f.toml"),
      (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      text,
    );
  }
});

Deno.test("parseCommandLine() knows the commands, and rejects unknown options and words", () => {
  assert.equal(parseCommandLine([]).command, "run");
  assert.equal(parseCommandLine(["--help"]).command, "help");
  assert.equal(parseCommandLine(["-V"]).command, "version");
  assert.equal(parseCommandLine(["run", "-c", "/x.toml"]).configPath, "/x.toml");
  assert.deepEqual(
    parseCommandLine(["--mirror", "deb=http://a/debian,https://b/debian"]).overrides,
    {
      mirrors: { deb: { upstreams: ["http://a/debian", "https://b/debian"] } },
    },
  );
  assert.throws(() => parseCommandLine(["--bogus"]), /command line: .*bogus/);
  assert.throws(() => parseCommandLine(["fly"]), /unknown command "fly"/);
  assert.throws(() => parseCommandLine(["--mirror", "nourl"]), /--mirror: expected NAME=URL/);
});

Deno.test("command-line values are validated like file values", async () => {
  await assert.rejects(
    loadConfig({
      systemPath: "/nonexistent",
      overrides: parseCommandLine(["--port", "http"]).overrides,
    }, env),
    /^ConfigError: command line: server\.port: expected an integer/,
  );
  await assert.rejects(
    loadConfig({
      systemPath: "/nonexistent",
      overrides: parseCommandLine(["--log-level", "x"]).overrides,
    }, env),
    /command line: log\.level/,
  );
});
