/**
 * The `apt-dht` command line: parses it and hands each command to its
 * module under src/commands/.
 *
 * @module
 */

import { ConfigError, loadConfig, parseCommandLine, USAGE } from "./src/config/mod.ts";
import { Logger } from "./src/log/mod.ts";
import { VERSION } from "./src/version.ts";
import { runAptSources } from "./src/commands/apt_sources.ts";
import { runConfig } from "./src/commands/config.ts";
import { runDhtNode } from "./src/commands/dht.ts";
import { runDaemon } from "./src/commands/run.ts";
import { runScan } from "./src/commands/scan.ts";
import { runStatus } from "./src/commands/status.ts";
import { StartupError } from "./src/commands/startup_errors.ts";
import { isListingWorker, useListingWorkerModule } from "./src/apt/mod.ts";

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
      case "status":
        return await runStatus((await config()).server, commandLine.host);
      case "apt-sources": {
        const { server } = await config();
        const daemon = { host: commandLine.host ?? "localhost", port: server.port };
        return await runAptSources(commandLine.aptDir ?? "/etc/apt", daemon);
      }
      case "scan": {
        const settings = await config();
        return await runScan(settings, new Logger(settings.log.level));
      }
      case "config":
        return await runConfig({
          configPath: commandLine.configPath,
          overrides: commandLine.overrides,
        });
      case "run":
        return await runDaemon(config);
      case "dht":
        return await runDhtNode(await config());
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) {
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

// The bundle is one module: started as the listing worker, it serves listing jobs
// (src/apt/ingest/worker.ts), and its listing workers run it. From the source tree or the compiled
// binary, the worker runs worker.ts alone (5-10 MB less than the whole program).
if (import.meta.main && !isListingWorker()) {
  if (!import.meta.url.endsWith(".ts")) useListingWorkerModule(import.meta.url);
  Deno.exit(await main(Deno.args));
}
