/** `apt-dht config`: the effective configuration with each value's origin, as a real process. */

import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { runCli as apt_dht } from "../helpers/daemon_process.ts";
import { loadConfig, userEnvironment } from "../../src/config/load.ts";
import { defaultConfig, validateLayer } from "../../src/config/schema.ts";
import { mergeLayers } from "../../src/config/merge.ts";

Deno.test("apt-dht config names where each value came from, and its TOML gives the same configuration back", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/apt-dht.toml`;
  await Deno.writeTextFile(
    file,
    [
      "# a LAN proxy", //                       1
      "[server]", //                            2
      "port = 9999", //                         3
      "allowed_clients = [", //                 4
      '  "10.0.0.0/8",', //                     5
      '  "fd00::/8",', //                       6
      "]", //                                   7
      "", //                                    8
      "[cache]", //                             9
      'max_size = "2G"', //                     10
      "", //                                    11
      '[mirrors."debian"]', //                  12
      'upstreams = ["http://deb.example/debian/"]', // 13
    ].join("\n"),
  );
  try {
    const args = ["-c", file, "--log-level", "debug", "--mirror", "local=http://127.0.0.1:1/x"];
    const result = await apt_dht(["config", ...args]);
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    const line = (pattern: string) => assert.match(out, new RegExp(`^${pattern}$`, "m"));
    line(`port = 9999  # ${file}:3`);
    line(`allowed_clients = \\["10\\.0\\.0\\.0/8", "fd00::/8"\\]  # ${file}:4`);
    line(`max_size = 2147483648  # ${file}:10`);
    line(`level = "debug"  # command line \\(--log-level\\)`);
    line(`listen = "0\\.0\\.0\\.0"  # default`);
    line(`lan_discovery = false  # default`);
    line(`\\[mirrors\\.debian\\]  # ${file}:12`);
    line(`upstreams = \\["http://deb\\.example/debian"\\]`);
    line(`\\[mirrors\\.local\\]  # command line \\(--mirror\\)`);
    line(`# max_connections is not set: the daemon works it out  # default`);
    assert.match(out, new RegExp(`^# Files read: ${file}$`, "m"));

    // Valid TOML that, read as a file, is the configuration it describes.
    const env = userEnvironment();
    const printed = mergeLayers(defaultConfig(env), [
      validateLayer(parseToml(out) as Record<string, unknown>, "printed"),
    ]);
    const effective = await loadConfig({
      systemPath: "/nonexistent/apt-dht.toml",
      configPath: file,
      overrides: {
        log: { level: "debug" },
        mirrors: { local: { upstreams: ["http://127.0.0.1:1/x"] } },
      },
    }, env);
    assert.deepEqual(JSON.stringify([...printed.mirrors]), JSON.stringify([...effective.mirrors]));
    assert.deepEqual({ ...printed, mirrors: null }, { ...effective, mirrors: null });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a broken config file is named with its line and column; a bad value with its line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.toml`, '[server]\nport = 1\nlisten = "0.0.0.0\n');
    const broken = await apt_dht(["config", "-c", `${dir}/a.toml`]);
    assert.equal(broken.code, 2);
    assert.equal(
      broken.stderr.trim(),
      `apt-dht: ${dir}/a.toml:3:18: not valid TOML: control characters are not allowed in strings`,
    );
    await Deno.writeTextFile(`${dir}/b.toml`, '[server]\nport = 1\n\n[log]\nlevel = "loud"\n');
    const bad = await apt_dht(["config", "-c", `${dir}/b.toml`]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      new RegExp(`^apt-dht: ${dir}/b\\.toml:5: log\\.level: expected one of`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
