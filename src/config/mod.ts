/**
 * Configuration: TOML files and command-line overrides, validated into one
 * typed {@link Config} with defaults. Errors name the key and the file.
 *
 * @module
 */
export { parseCommandLine, USAGE } from "./cli.ts";
export { ConfigError } from "./errors.ts";
export { explainConfig } from "./explain.ts";
export { type ConfigSources, loadConfig, loadLayered } from "./load.ts";
export type { MirrorAlias } from "./mirrors.ts";
export { changedKeys, RELOADABLE_KEYS } from "./reload.ts";
export type { Config } from "./schema.ts";
