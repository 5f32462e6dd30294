/**
 * Configuration: TOML files and command-line overrides, validated into one
 * typed {@link Config} with defaults. Errors name the key and the file.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./schema.ts";
export * from "./load.ts";
export * from "./cli.ts";
export * from "./reload.ts";
