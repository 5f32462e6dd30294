import assert from "node:assert/strict";
import { RequestLimits } from "../../src/server/mod.ts";

const elapsed = async (work: Promise<unknown>) => {
  const started = performance.now();
  await work;
  return performance.now() - started;
};

Deno.test("whenQuiet() waits until no request has been in flight for the quiet time", async () => {
  const limits = new RequestLimits({ perAddress: 4, total: 8 });
  const release = limits.enter("192.0.2.1")!;
  const quiet = limits.whenQuiet(150, 5_000);
  await new Promise((r) => setTimeout(r, 200));
  release(); // quiet from here on
  const waited = await elapsed(quiet);
  assert.ok(waited >= 140 && waited < 1_000, `${waited} ms after the last request ended`);
  // Short requests one after another keep it waiting, though none is in flight when it looks.
  let busy = true;
  const burst = (async () => {
    while (busy) {
      limits.enter("192.0.2.2")!();
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const during = limits.whenQuiet(150, 5_000);
  setTimeout(() => busy = false, 400);
  const waitedOut = await elapsed(during);
  await burst;
  assert.ok(waitedOut >= 500, `${waitedOut} ms: the burst lasted 400 ms, then 150 ms of quiet`);
});

Deno.test("whenQuiet() gives up waiting after the longest wait, and at once when aborted", async () => {
  const limits = new RequestLimits({ perAddress: 4, total: 8 });
  const release = limits.enter("192.0.2.1")!;
  try {
    const waited = await elapsed(limits.whenQuiet(1_000, 200));
    assert.ok(waited >= 190 && waited < 800, `${waited} ms`);
    const hurry = new AbortController();
    const quiet = limits.whenQuiet(10_000, 10_000, hurry.signal);
    setTimeout(() => hurry.abort(), 50);
    assert.ok(await elapsed(quiet) < 500);
  } finally {
    release();
  }
});
