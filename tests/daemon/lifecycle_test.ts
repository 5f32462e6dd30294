import assert from "node:assert/strict";
import { type Component, Lifecycle } from "../../src/daemon/lifecycle.ts";

function recording(name: string, log: string[], fail = false): Component {
  return {
    start: () => {
      if (fail) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    drain: (graceMs) => Promise.resolve(void log.push(`drain ${name} ${graceMs}`)),
    stop: () => void log.push(`stop ${name}`),
  };
}

Deno.test("Lifecycle starts parts in order, then drains all and stops all in reverse", async () => {
  const log: string[] = [];
  const parts = new Lifecycle();
  for (const name of ["db", "pipeline", "http"]) parts.add(recording(name, log));
  await parts.start();
  await parts.stop(100);
  assert.deepEqual(log, [
    "start db",
    "start pipeline",
    "start http",
    "drain http 100",
    "drain pipeline 100",
    "drain db 100",
    "stop http",
    "stop pipeline",
    "stop db",
  ]);
});

Deno.test("Lifecycle stops what started when a later part fails to start, and rethrows", async () => {
  const log: string[] = [];
  const parts = new Lifecycle();
  parts.add(recording("db", log));
  parts.add(recording("http", log, true));
  parts.add(recording("dht", log));
  await assert.rejects(() => parts.start(), /http cannot start/);
  assert.deepEqual(log, ["start db", "drain db 0", "stop db"]);
});
