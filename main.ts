/**
 * The `apt-dht` command line.
 *
 * @module
 */

import { ConfigError, loadConfig, parseCommandLine, USAGE } from "./src/config/mod.ts";
import { startDaemon } from "./src/app.ts";
import { VERSION } from "./src/version.ts";

/** Runs the command line; resolves to the exit status. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const commandLine = parseCommandLine(args);
    switch (commandLine.command) {
      case "help":
        console.log(USAGE);
        return 0;
      case "version":
        console.log(`apt-dht ${VERSION}`);
        return 0;
      case "run": {
        const config = await loadConfig({
          configPath: commandLine.configPath,
          overrides: commandLine.overrides,
        });
        const daemon = await startDaemon(config);
        const { promise: stopped, resolve } = Promise.withResolvers<void>();
        const stop = () => daemon.stop().then(resolve, resolve);
        Deno.addSignalListener("SIGTERM", stop);
        Deno.addSignalListener("SIGINT", stop);
        await stopped;
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

if (import.meta.main) Deno.exit(await main(Deno.args));
