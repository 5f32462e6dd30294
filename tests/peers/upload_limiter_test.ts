import assert from "node:assert/strict";
import { UploadLimiter } from "../../src/peers/mod.ts";

Deno.test("the upload limiter paces all uploads together to the set rate", async () => {
  const limiter = new UploadLimiter(200_000); // 200 kB/s
  const body = (n: number) => ReadableStream.from([new Uint8Array(n)]);
  const started = performance.now();
  // Two uploads of 50 kB at once share the rate: 100 kB at 200 kB/s ≈ 0.5 s (the first 16 KiB go at once).
  const sizes = await Promise.all([body(50_000), body(50_000)].map(async (b) => {
    let n = 0;
    for await (const chunk of limiter.throttle(b)) n += chunk.byteLength;
    return n;
  }));
  const elapsed = performance.now() - started;
  assert.deepEqual(sizes, [50_000, 50_000]);
  assert.ok(elapsed >= 380 && elapsed < 1500, `${elapsed} ms`);
});
