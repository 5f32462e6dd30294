/**
 * The `apt-dht` command line.
 *
 * @module
 */

import { ConfigError, loadConfig, parseCommandLine, USAGE } from "./src/config/mod.ts";
import { startDaemon } from "./src/daemon/mod.ts";
import { DATABASE_FILE, openDatabase } from "./src/cache/mod.ts";
import { createDhtNode } from "./src/daemon/mod.ts";
import { Logger } from "./src/log/mod.ts";
import { VERSION } from "./src/version.ts";
import { aptSourcesReport, readAptSources } from "./src/commands/apt_sources.ts";
import { fetchStatus } from "./src/commands/status.ts";
import { runScan } from "./src/commands/scan.ts";

/** Runs the command line; resolves to the exit status. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const commandLine = parseCommandLine(args);
    const config = () =>
      loadConfig({ configPath: commandLine.configPath, overrides: commandLine.overrides });
    switch (commandLine.command) {
      case "help":
        console.log(USAGE);
        return 0;
      case "version":
        console.log(`apt-dht ${VERSION}`);
        return 0;
      case "status": {
        const { server } = await config();
        const host = commandLine.host ?? localAddressOf(server.listen);
        try {
          console.log((await fetchStatus(`http://${host}:${server.port}`)).trimEnd());
          return 0;
        } catch (error) {
          console.error(
            `apt-dht: no daemon answered at ${host}:${server.port}: ${(error as Error).message}`,
          );
          return 1;
        }
      }
      case "apt-sources": {
        const { server } = await config();
        const entries = await readAptSources(commandLine.aptDir ?? "/etc/apt");
        const daemon = { host: commandLine.host ?? "localhost", port: server.port };
        console.log(aptSourcesReport(entries, daemon).trimEnd());
        return 0;
      }
      case "scan": {
        const settings = await config();
        return await runScan(settings, new Logger(settings.log.level));
      }
      case "run": {
        const settings = await config();
        const log = new Logger(settings.log.level);
        const daemon = await startDaemon(settings, log);
        // SIGHUP: read the configuration again; a broken file changes nothing.
        const reload = () =>
          config().then((next) => daemon.reload(next)).catch((error) =>
            log.error("daemon.reload_failed", { error, still: "running as before" })
          );
        Deno.addSignalListener("SIGHUP", reload);
        await untilSignalled(() => daemon.stop());
        Deno.removeSignalListener("SIGHUP", reload);
        return 0;
      }
      case "dht": {
        // A DHT-only node: no HTTP, no cache; its routing table lives in the state directory.
        const settings = await config();
        const log = new Logger(settings.log.level);
        await Deno.mkdir(settings.state.directory, { recursive: true });
        const db = openDatabase(`${settings.state.directory}/${DATABASE_FILE}`);
        const node = createDhtNode(settings, settings.server.port, db, log);
        await node.start();
        await untilSignalled(async () => {
          await node.stop();
          db.close();
          log.info("dht.stopped");
        });
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`apt-dht: ${error.message}`);
      return 2;
    }
    if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.PermissionDenied) {
      console.error(`apt-dht: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

/** An address of this machine the daemon listening on `listen` answers at. */
function localAddressOf(listen: string): string {
  if (listen === "0.0.0.0" || listen === "") return "127.0.0.1";
  if (listen === "::") return "[::1]";
  return listen.includes(":") ? `[${listen}]` : listen;
}

/** Resolves once SIGTERM or SIGINT has run `stop`. */
async function untilSignalled(stop: () => Promise<void>): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  let stopping = false;
  const handler = () => {
    if (stopping) return; // a second signal while stopping changes nothing
    stopping = true;
    stop().then(resolve, resolve);
  };
  Deno.addSignalListener("SIGTERM", handler);
  Deno.addSignalListener("SIGINT", handler);
  await promise;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
