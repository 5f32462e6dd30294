import assert from "node:assert/strict";
import { HeldBytes, isDiskFull } from "../../src/transfer/held_bytes.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

Deno.test("HeldBytes reads any offset across the chunks it was given", () => {
  const held = new HeldBytes();
  const all = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  for (const [from, to] of [[0, 10], [10, 10], [10, 400], [400, 401], [401, 1000]]) {
    held.append(all.slice(from, to));
  }
  assert.equal(held.size, 1000);
  for (let offset = 0; offset < 1000; offset += 7) {
    const part = held.read(offset, 50);
    assert.ok(part.byteLength > 0 && part.byteLength <= 50);
    assertBytes(part, all.subarray(offset, offset + part.byteLength), `at ${offset}`);
  }
  assert.equal(held.read(1000, 10).byteLength, 0);
  assert.equal(held.read(5, 0).byteLength, 0);
});

Deno.test("isDiskFull() knows ENOSPC and EDQUOT however Deno words them", () => {
  assert.ok(isDiskFull(new Error("No space left on device (os error 28)")));
  assert.ok(isDiskFull(Object.assign(new Error("write failed"), { code: "ENOSPC" })));
  assert.ok(isDiskFull(new Error("Disk quota exceeded (os error 122)")));
  assert.equal(isDiskFull(new Error("Permission denied (os error 13)")), false);
  // The real thing, from a full file system: tests/server/disk_full_test.ts.
});
