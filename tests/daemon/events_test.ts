import assert from "node:assert/strict";
import { Emitter } from "../../src/daemon/events.ts";

Deno.test("Emitter tells every listener, and stops telling one that unsubscribed", async () => {
  const events = new Emitter<{ ping: number }>();
  const a: number[] = [];
  const b: number[] = [];
  events.on("ping", (n) => void a.push(n));
  const off = events.on("ping", (n) => void b.push(n));
  await events.emit("ping", 1);
  off();
  await events.emit("ping", 2);
  assert.deepEqual(a, [1, 2]);
  assert.deepEqual(b, [1]);
});

Deno.test("Emitter.emit() resolves after the promises its listeners return", async () => {
  const events = new Emitter<{ work: string }>();
  const done: string[] = [];
  events.on("work", async (what) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    done.push(what);
  });
  await events.emit("work", "patch");
  assert.deepEqual(done, ["patch"]);
  await events.emit("work" as const, "nobody else listens");
});

Deno.test("Emitter.emit() throws a listener's error at once, as a direct callback would", () => {
  const events = new Emitter<{ boom: undefined }>();
  events.on("boom", () => {
    throw new Error("listener failed");
  });
  assert.throws(() => events.emit("boom", undefined), /listener failed/);
});
