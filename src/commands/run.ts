/**
 * `apt-dht run`: the daemon, until SIGTERM or SIGINT. SIGHUP reads the
 * configuration again; a broken file changes nothing.
 *
 * @module
 */

import type { Config } from "../config/mod.ts";
import { type Daemon, startDaemon } from "../daemon/mod.ts";
import { Logger } from "../log/mod.ts";
import { StopSignals } from "./signals.ts";
import { explainStartupError } from "./startup_errors.ts";

/** Runs the daemon; `loadConfig` reads the configuration (again on SIGHUP). Resolves to the exit status. */
export async function runDaemon(loadConfig: () => Promise<Config>): Promise<number> {
  const settings = await loadConfig();
  const signals = new StopSignals();
  const log = new Logger(settings.log.level);
  // Installed before start-up too (SIGHUP's default action ends the process); one that comes
  // while starting is applied once the daemon runs.
  let daemon: Daemon | undefined = undefined;
  let reloadPending = false;
  const reload = () => {
    if (!daemon) return void (reloadPending = true);
    const running = daemon;
    loadConfig().then((next) => running.reload(next)).catch((error) =>
      log.error("daemon.reload_failed", { error, still: "running as before" })
    );
  };
  Deno.addSignalListener("SIGHUP", reload);
  const started = await startDaemon(settings, log).catch((error) => {
    throw explainStartupError(error, settings) ?? error;
  });
  daemon = started;
  if (reloadPending) reload();
  await signals.stopWhenSignalled(() => started.stop());
  Deno.removeSignalListener("SIGHUP", reload);
  return 0;
}
