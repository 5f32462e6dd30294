/**
 * Byte comparison for large bodies. node:assert's deepEqual renders a diff
 * of both arrays when they differ, which for a few megabytes takes
 * gigabytes of memory: a failing test must fail, not bring the runner down.
 */

import assert from "node:assert/strict";

/** Asserts `actual` holds exactly `expected`; on failure says the lengths and the first differing offset. */
export function assertBytes(
  actual: Uint8Array | ArrayBuffer,
  expected: Uint8Array,
  message = "bytes differ",
): void {
  const got = actual instanceof Uint8Array ? actual : new Uint8Array(actual);
  const length = Math.min(got.length, expected.length);
  let at = 0;
  while (at < length && got[at] === expected[at]) at++;
  if (at === length && got.length === expected.length) return;
  assert.fail(
    `${message}: ${got.length} bytes, expected ${expected.length}; first difference at ${at}`,
  );
}
