/**
 * The setting of the LAN tests: a LAN of network namespaces, a signed
 * repository's mirror as a process in the last one (reporting the bytes it
 * sends), and daemons as processes in the others, each with only the
 * configuration the test gives (and the repository's key trusted).
 */

import type { StatusSnapshot } from "../../src/server/status/snapshot.ts";
import type { DebianRepo } from "./debian_repo.ts";
import { cliArgs, runArgs } from "./daemon_process.ts";
import { type Lan, type LanHost, type LanProcess, startLan } from "./lan_namespaces.ts";

const MIRROR_MAIN = new URL("./mirror_main.ts", import.meta.url).pathname;
export const MIRROR_PORT = 8080;
export const DAEMON_PORT = 9977;

/** A daemon running in a namespace. */
export interface LanDaemon {
  readonly host: LanHost;
  readonly process: LanProcess;
  /** Its /stats.json, fetched inside its namespace. */
  stats(): Promise<StatusSnapshot>;
}

export interface LanWorld extends AsyncDisposable {
  readonly lan: Lan;
  readonly mirrorHost: LanHost;
  /** The hosts daemons may run on (every host but the mirror's). */
  readonly hosts: readonly LanHost[];
  /** Body bytes the mirror sent for paths ending with `suffix`. */
  mirrorBytes(suffix: string): number;
  /** Starts a daemon on `host` with config text `toml` (the repository's key is added). */
  startDaemon(host: LanHost, toml: string): Promise<LanDaemon>;
  /** The repository's source line through the daemon on the host's loopback. */
  readonly line: string;
}

/** A LAN of `count` daemon hosts and one mirror host. */
export async function startLanWorld(repo: DebianRepo, count: number): Promise<LanWorld> {
  const lan = await startLan(count + 1);
  const mirrorHost = lan.hosts[count];
  const dirs: string[] = [];
  try {
    const mirror = lan.spawn(mirrorHost, Deno.execPath(), [
      "run",
      "--quiet",
      "-P=test",
      MIRROR_MAIN,
      repo.root,
      mirrorHost.address,
      String(MIRROR_PORT),
    ]);
    await mirror.until(/"listening"/);
    const requests = () =>
      mirror.output().split("\n").filter((l) => l.startsWith('{"path"')).map((l) =>
        JSON.parse(l) as { path: string; status: number; bytes: number }
      );
    return {
      lan,
      mirrorHost,
      hosts: lan.hosts.slice(0, count),
      line: repo.sourceLine(
        `http://127.0.0.1:${DAEMON_PORT}/${mirrorHost.address}:${MIRROR_PORT}`,
      ),
      mirrorBytes: (suffix) =>
        requests().filter((r) => r.path.endsWith(suffix)).reduce((sum, r) => sum + r.bytes, 0),
      async startDaemon(host, toml) {
        const dir = await Deno.makeTempDir({ prefix: "apt-dht-lan-" });
        dirs.push(dir);
        return await startLanDaemon(
          lan,
          host,
          dir,
          `${toml}\n[trust]\nkeyrings = [${JSON.stringify(repo.keyring)}]\n`,
        );
      },
      async [Symbol.asyncDispose]() {
        await lan[Symbol.asyncDispose]();
        for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await lan[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * Starts a daemon on `host` with the config text `toml`, its cache and state
 * under `dir`, listening on `listen` (default every IPv4 address).
 */
export async function startLanDaemon(
  lan: Lan,
  host: LanHost,
  dir: string,
  toml: string,
  listen = "0.0.0.0",
): Promise<LanDaemon> {
  await Deno.writeTextFile(`${dir}/apt-dht.toml`, toml);
  const process = lan.spawn(
    host,
    Deno.execPath(),
    cliArgs(
      ...runArgs(dir, { listen, port: DAEMON_PORT, extra: ["--config", `${dir}/apt-dht.toml`] }),
    ),
  );
  await process.until(/daemon\.started/);
  return {
    host,
    process,
    async stats() {
      const { code, output } = await lan.run(host, Deno.execPath(), [
        "eval",
        `const r = await fetch("http://127.0.0.1:${DAEMON_PORT}/stats.json");` +
        "console.log(await r.text());",
      ]);
      if (code !== 0) throw new Error(`stats.json from ${host.address}: ${output}`);
      return JSON.parse(output);
    },
  };
}

/** Polls `check` every 200 ms until it is true; fails after `ms` with `what`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
