/**
 * Starts a real daemon in this process on a free loopback port, with its
 * own temp cache and state directories, for tests that talk HTTP to it.
 */

import { type Daemon, startDaemon } from "../../src/daemon/mod.ts";
import { defaultConfig, type Layer, validateLayer } from "../../src/config/schema.ts";
import { mergeLayers } from "../../src/config/merge.ts";
import { Logger, type LogLevel } from "../../src/log/mod.ts";

export interface TestDaemon extends Daemon, AsyncDisposable {
  readonly dir: string;
  readonly cacheDir: string;
  readonly stateDir: string;
  readonly base: string;
  readonly logLines: string[];
}

/** Starts a daemon; `toml` adds config on top of the test defaults. */
export async function startTestDaemon(
  toml: Record<string, unknown> = {},
  dir?: string,
): Promise<TestDaemon> {
  dir ??= await Deno.makeTempDir({ prefix: "apt-dht-test-" });
  const cacheDir = `${dir}/cache`;
  const stateDir = `${dir}/state`;
  const layers: Layer[] = [
    validateLayer({
      server: { listen: "127.0.0.1", port: 0 },
      cache: { directory: cacheDir },
      state: { directory: stateDir },
      upstream: { response_timeout: 5, idle_timeout: 2 },
      // Only the keys a test names: results must not depend on the machine's keyrings.
      trust: { apt_keyrings: false },
    }, "test defaults"),
    validateLayer(toml, "test"),
  ];
  const config = mergeLayers(defaultConfig({ uid: 1000, home: dir }), layers);
  const logLines: string[] = [];
  const level = (Deno.env.get("APT_DHT_TEST_LOG") ?? "debug") as LogLevel;
  const log = new Logger(level, (line) => {
    logLines.push(line);
    if (Deno.env.get("APT_DHT_TEST_LOG")) console.error(line);
  });
  const daemon = await startDaemon(config, log);
  return {
    ...daemon,
    dir,
    cacheDir,
    stateDir,
    logLines,
    base: `http://${
      config.server.listen.includes(":") ? `[${config.server.listen}]` : config.server.listen
    }:${daemon.port}`,
    stop: daemon.stop,
    async [Symbol.asyncDispose]() {
      await daemon.stop();
      await Deno.remove(dir!, { recursive: true }).catch(() => {});
    },
  };
}
