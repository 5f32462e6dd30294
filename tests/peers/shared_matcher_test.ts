import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { SharedMatcher } from "../../src/peers/mod.ts";

function matcher(enabled: boolean) {
  const announced: string[] = [];
  const { promise: firstAnnounce, resolve } = Promise.withResolvers<void>();
  let matches = 0;
  const lines: string[] = [];
  const m = new SharedMatcher(
    {
      shared: { sharedFiles: () => [{ sha256: "aa" }, { sha256: "bb" }] },
      index: {
        trustedAmong: (sha256s) => {
          matches++;
          return new Set(sha256s.filter((s) => s === "bb"));
        },
      },
      log: new Logger("debug", (line) => lines.push(line)),
      announce: (sha256) => {
        announced.push(sha256);
        resolve();
      },
    },
    enabled,
    10,
  );
  return { m, announced, lines, firstAnnounce, matches: () => matches };
}

/** Long enough for a 10 ms match to have run; only a test that expects none waits this. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

Deno.test("SharedMatcher matches once per burst and announces the trusted shared files", async () => {
  const t = matcher(true);
  t.m.schedule();
  t.m.schedule();
  t.m.schedule();
  await t.firstAnnounce;
  assert.equal(t.matches(), 1);
  assert.deepEqual(t.announced, ["bb"]);
  assert.ok(t.lines.some((l) => l.includes("cache.shared_matched")));
  t.m.stop();
});

Deno.test("SharedMatcher does nothing without shared directories, or once stopped", async () => {
  const off = matcher(false);
  off.m.schedule();
  const stopped = matcher(true);
  stopped.m.schedule();
  stopped.m.stop();
  stopped.m.schedule();
  await settle();
  assert.equal(off.matches() + stopped.matches(), 0);
});
