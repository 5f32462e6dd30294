/**
 * `apt-dht run`: the daemon, until SIGTERM or SIGINT. SIGHUP reads the
 * configuration again; a broken file changes nothing.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import { startDaemon } from "../daemon/mod.ts";
import { Logger } from "../log/mod.ts";
import { untilSignalled } from "./signals.ts";
import { explainStartupError } from "./startup_errors.ts";

/** Runs the daemon; `loadConfig` reads the configuration (again on SIGHUP). Resolves to the exit status. */
export async function runDaemon(loadConfig: () => Promise<Config>): Promise<number> {
  const settings = await loadConfig();
  const log = new Logger(settings.log.level);
  const daemon = await startDaemon(settings, log).catch((error) => {
    throw explainStartupError(error, settings) ?? error;
  });
  const reload = () =>
    loadConfig().then((next) => daemon.reload(next)).catch((error) =>
      log.error("daemon.reload_failed", { error, still: "running as before" })
    );
  Deno.addSignalListener("SIGHUP", reload);
  await untilSignalled(() => daemon.stop());
  Deno.removeSignalListener("SIGHUP", reload);
  return 0;
}
