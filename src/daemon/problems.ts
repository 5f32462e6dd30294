/**
 * Turns what the parts report into the problems the status page shows:
 * the disk is full until a file is committed again.
 *
 * @module
 */

import type { Logger } from "../log/mod.ts";
import { diskFullProblem, Problems } from "../server/mod.ts";
import type { DaemonEvents, Emitter } from "./events.ts";

/** A registry kept up to date from `events`; `directory` is the cache's. */
export function watchProblems(
  events: Emitter<DaemonEvents>,
  directory: string,
  log: Logger,
): Problems {
  const problems = new Problems();
  events.on("diskFull", (error) => {
    if (problems.raise("disk-full", diskFullProblem(directory, error))) {
      log.error("cache.disk_full", { directory, error }); // once, not per download
    }
  });
  events.on("committed", () => problems.clear("disk-full")); // a file could be written again
  return problems;
}
