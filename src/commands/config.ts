/**
 * `apt-dht config`: prints the configuration the daemon would run with, as
 * TOML, each value commented with where it came from.
 *
 * @module
 */

import { type ConfigSources, explainConfig, loadLayered } from "../config/mod.ts";
import { VERSION } from "../version.ts";

/** Prints the effective configuration; 0, or a ConfigError thrown for main to report. */
export async function runConfig(sources: ConfigSources): Promise<number> {
  const { config, layers } = await loadLayered(sources);
  const read = layers.filter((l) => l.source !== "command line").map((l) => l.source);
  console.log(
    `# apt-dht ${VERSION}: the effective configuration. After each value, where it came from:\n` +
      `# default (built in), a file and its line, or the command line.\n` +
      `# Files read: ${read.join(", ") || "none"}\n\n` +
      explainConfig(config, layers).trimEnd(),
  );
  return 0;
}
