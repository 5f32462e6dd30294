/**
 * Checks of single configuration values, each throwing a TypeError that
 * names the key (the layer's name is added by `wrap`).
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

/** Where a layer came from, for error messages: a file path or "command line". */
export type LayerSource = string;

export const positiveSeconds = (value: unknown, key: string) => {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 86400) {
    throw new TypeError(
      `${key}: expected a number of seconds between 0 and 86400, got ${show(value)}`,
    );
  }
  return value;
};

export const integer = (min: number, max: number) => (value: unknown, key: string) => {
  if (typeof value === "bigint") value = Number(value);
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${key}: expected an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
};

export const nonEmptyString = (value: unknown, key: string) => {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`${key}: expected a non-empty string, got ${show(value)}`);
  }
  return value;
};

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
};

/** A size in bytes: an integer, or a string like "500M", "20G", "1.5T" (binary units). */
export const byteSize = (value: unknown, key: string): number => {
  if (typeof value === "bigint") value = Number(value);
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  const match = typeof value === "string"
    ? /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(value)
    : null;
  if (!match) {
    throw new TypeError(
      `${key}: expected a size like 20G, 500M or a number of bytes, got ${show(value)}`,
    );
  }
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]);
};

export const boolean = (value: unknown, key: string) => {
  if (typeof value !== "boolean") {
    throw new TypeError(`${key}: expected true or false, got ${show(value)}`);
  }
  return value;
};

/** Runs a value check, turning its TypeError into a ConfigError naming the layer. */
export function wrap<T>(source: LayerSource, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TypeError) {
      const [key, ...rest] = error.message.split(": ");
      throw new ConfigError(source, key, rest.join(": "));
    }
    throw error;
  }
}

/** A TOML table (not a list, a date or a scalar). */
export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** A value as an error message shows it. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
