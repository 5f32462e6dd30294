import assert from "node:assert/strict";
import { HOUR_MS, TrafficHistory } from "../../src/stats/traffic_history.ts";

const DAY = 24 * HOUR_MS;
/** 2026-12-06T00:00:00Z, a day's start. */
const MIDNIGHT = Date.UTC(2026, 11, 6);

Deno.test("the history puts bytes in their hour and UTC day, the cache's answers as cache", () => {
  let now = MIDNIGHT + 10 * HOUR_MS + 5;
  const history = new TrafficHistory(() => now);
  history.add("mirror", 100);
  history.add("revalidated", 7);
  history.add("stale", 3);
  history.add("none", 999); // an error served no file
  now += HOUR_MS;
  history.add("peer", 50);
  history.add("cache", 20);
  const hourly = history.hourly();
  assert.equal(hourly.length, 24);
  assert.equal(hourly.at(-1)!.start, new Date(MIDNIGHT + 11 * HOUR_MS).toISOString());
  assert.deepEqual(hourly.at(-1), {
    start: "2026-12-06T11:00:00.000Z",
    from_cache: 20,
    from_peers: 50,
    from_mirrors: 0,
  });
  assert.deepEqual(hourly.at(-2), {
    start: "2026-12-06T10:00:00.000Z",
    from_cache: 10,
    from_peers: 0,
    from_mirrors: 100,
  });
  assert.equal(hourly[0].start, "2026-12-05T12:00:00.000Z");
  const daily = history.daily();
  assert.equal(daily.length, 30);
  assert.deepEqual(daily.at(-1), {
    start: "2026-12-06T00:00:00.000Z",
    from_cache: 30,
    from_peers: 50,
    from_mirrors: 100,
  });
  assert.equal(daily[0].start, "2026-11-07T00:00:00.000Z");
  assert.ok(daily.slice(0, -1).every((d) => d.from_cache + d.from_peers + d.from_mirrors === 0));
});

Deno.test("the history saves only changed hours, keeps 30 days, and loads saved hours onto this run's", () => {
  let now = MIDNIGHT + 3 * HOUR_MS;
  const history = new TrafficHistory(() => now);
  history.load([
    { hour: MIDNIGHT - 40 * DAY, cache: 1, peer: 1, mirror: 1 }, // past 30 days: dropped
    { hour: MIDNIGHT - 29 * DAY, cache: 5, peer: 0, mirror: 0 }, // the oldest day shown
    { hour: MIDNIGHT + 3 * HOUR_MS, cache: 0, peer: 0, mirror: 8 }, // this hour, an earlier run
  ]);
  history.add("mirror", 2);
  const first = history.takeChanged();
  assert.deepEqual(first.changed, [{
    hour: MIDNIGHT + 3 * HOUR_MS,
    cache: 0,
    peer: 0,
    mirror: 10,
  }]);
  assert.equal(first.oldestKept, MIDNIGHT - 29 * DAY);
  assert.deepEqual(history.takeChanged().changed, [], "nothing new: nothing to save");
  assert.equal(history.daily()[0].from_cache, 5);
  assert.equal(history.daily().at(-1)!.from_mirrors, 10);
  // A save that failed is tried again.
  history.unsaved(first.changed);
  assert.equal(history.takeChanged().changed.length, 1);
  // A day later the oldest day has gone from memory too.
  now += DAY;
  history.add("cache", 1);
  history.takeChanged();
  assert.equal(history.daily()[0].start, new Date(MIDNIGHT - 28 * DAY).toISOString());
  assert.ok(history.daily().every((d) => d.from_cache <= 1), "the 5 of 29 days ago is gone");
});
