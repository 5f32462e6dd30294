/**
 * The event-loop watchdog: on a fake clock, late ticks are stalls, the
 * longest of the last minute is reported and forgotten after it; on the
 * real loop, a busy wait is seen and one past the threshold is reported.
 */

import assert from "node:assert/strict";
import { LoopStalls } from "../../src/stats/mod.ts";
import type { LoopClock } from "../../src/stats/loop_stalls.ts";

class FakeClock implements LoopClock {
  at = 0;
  tick?: () => void;
  now = () => this.at;
  setInterval = (fn: () => void) => {
    this.tick = fn;
    return 1;
  };
  clearInterval = () => this.tick = undefined;
  /** The next tick comes `ms` after the last. */
  advance(ms: number) {
    this.at += ms;
    this.tick?.();
  }
}

Deno.test("LoopStalls: a late tick is a stall; the longest of the last minute, then forgotten", () => {
  const clock = new FakeClock();
  const reports: number[] = [];
  const stalls = new LoopStalls({ tickMs: 50, clock, onReport: (ms) => reports.push(ms) });
  stalls.start();
  for (let i = 0; i < 10; i++) clock.advance(50);
  assert.deepEqual(stalls.figures(), { longestMsLastMinute: 0, reported: 0 });
  clock.advance(50 + 300);
  clock.advance(50 + 120);
  assert.deepEqual(stalls.figures(), { longestMsLastMinute: 300, reported: 0 });
  clock.advance(50 + 1500);
  assert.deepEqual(reports, [1500]);
  for (let i = 0; i < 1150; i++) clock.advance(50); // 57.5 s on: the 1.5 s stall is still in
  assert.equal(stalls.figures().longestMsLastMinute, 1500);
  for (let i = 0; i < 60; i++) clock.advance(50);
  assert.deepEqual(stalls.figures(), { longestMsLastMinute: 0, reported: 1 });
  stalls.stop();
  assert.equal(clock.tick, undefined);
});

Deno.test("LoopStalls on the real loop: a 300 ms busy wait is seen, one past the threshold reported", async () => {
  const reports: number[] = [];
  const stalls = new LoopStalls({
    tickMs: 10,
    reportAfterMs: 250,
    onReport: (ms) => reports.push(ms),
  });
  stalls.start();
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = performance.now() + 300;
    while (performance.now() < until) { /* the loop is held */ }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { longestMsLastMinute, reported } = stalls.figures();
    assert.ok(longestMsLastMinute >= 280 && longestMsLastMinute < 600, `${longestMsLastMinute} ms`);
    assert.equal(reported, 1);
    assert.equal(reports.length, 1);
  } finally {
    stalls.stop();
  }
});
