/**
 * The piece scheduler's decisions on a fake clock: a table of sources that
 * are fast, slow, dead, lying, stalled or missing a piece, each run to the
 * end by a small event simulator (no sockets, no timers), and what the
 * schedule made of them: who gave each piece, who was asked how often, when
 * the last piece was handed on. Then the real fetch loop on a manual clock:
 * the mirror's race starts when that clock says so.
 */

import assert from "node:assert/strict";
import { PieceSchedule, type PieceScheduleOptions } from "../../src/transfer/piece_schedule.ts";
import { fetchPieces } from "../../src/transfer/piece_fetch.ts";
import type { Source } from "../../src/transfer/source.ts";
import {
  PIECE_HEDGE_AFTER_MS,
  PIECE_MAX_FAILURES,
  PIECE_REQUESTS_PER_SOURCE,
} from "../../src/transfer/constants.ts";
import { pieceDigest, type PieceList } from "../../src/hash/mod.ts";
import { ManualClock } from "../helpers/manual_clock.ts";

/** A source in the simulation. */
interface SimSource {
  readonly name: string;
  readonly peer?: true;
  /** Milliseconds until a request for `index` ends; Infinity: it never does (stalled). */
  readonly ms: (index: number) => number;
  /** Whether a request for `index` ends with good bytes (else: refused, cut, or a bad hash). */
  readonly good: (index: number) => boolean;
}

const peer = (name: string, ms: number, good: (i: number) => boolean = () => true): SimSource => ({
  name,
  peer: true,
  ms: () => ms,
  good,
});
const mirror = (ms = 20): SimSource => ({ name: "mirror", ms: () => ms, good: () => true });

interface SimResult {
  /** Who gave each piece handed on, in order. */
  readonly from: readonly string[];
  /** Requests made of each source. */
  readonly asked: Readonly<Record<string, number>>;
  /** Races started by a mirror for a slow piece. */
  readonly hedges: number;
  /** When the last piece was handed on (fake ms). */
  readonly finishedAt?: number;
  /** The piece no source was left for. */
  readonly stuck?: number;
  /** Nothing left to happen: every request out never ends, and no race is due. */
  readonly hung?: boolean;
}

/** Runs the schedule to its end on fake time: each request ends after its source's delay. */
function simulate(
  sources: readonly SimSource[],
  count: number,
  options: Partial<PieceScheduleOptions<SimSource>> = {},
): SimResult {
  let now = 0;
  const schedule = new PieceSchedule({ count, sources, ...options }, now);
  const events: { at: number; seq: number; source: SimSource; index: number }[] = [];
  const arrivedFrom = new Map<number, string>();
  const from: string[] = [];
  const asked: Record<string, number> = Object.fromEntries(sources.map((s) => [s.name, 0]));
  let hedges = 0;
  let seq = 0;
  for (let step = 0; step < 100_000; step++) {
    for (let index; (index = schedule.nextReady()) !== undefined;) {
      from.push(arrivedFrom.get(index)!);
      schedule.handedOn(now);
    }
    if (schedule.done) return { from, asked, hedges, finishedAt: now };
    const plan = schedule.plan(now);
    if (plan.stuck !== undefined) return { from, asked, hedges, stuck: plan.stuck };
    for (const { source, index, hedge } of plan.start) {
      asked[source.name]++;
      if (hedge) hedges++;
      const ms = source.ms(index);
      if (Number.isFinite(ms)) events.push({ at: now + ms, seq: seq++, source, index });
    }
    events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const wakeAt = schedule.wakeAt(now);
    const event = events[0];
    if (!event && wakeAt === undefined) return { from, asked, hedges, hung: true };
    if (wakeAt !== undefined && (!event || wakeAt < event.at)) {
      now = wakeAt;
      continue;
    }
    events.shift();
    now = event.at;
    if (!event.source.good(event.index)) schedule.failed(event.source, event.index);
    else if (schedule.delivered(event.source, event.index)) {
      arrivedFrom.set(event.index, event.source.name);
    }
  }
  throw new Error("the simulation did not end");
}

const count = (from: readonly string[], name: string) => from.filter((n) => n === name).length;

Deno.test("schedule: sources alike share the pieces evenly; the mirror is not asked", () => {
  const result = simulate([peer("a", 10), peer("b", 10), peer("c", 10), mirror()], 32);
  assert.equal(result.from.length, 32);
  for (const name of ["a", "b", "c"]) {
    const share = count(result.from, name);
    assert.ok(share >= 9 && share <= 12, `${name} gave ${share} of 32`);
  }
  assert.equal(result.asked.mirror, 0);
  assert.equal(result.hedges, 0);
  // Two requests in flight per peer, six at a time, 10 ms each.
  assert.equal(result.finishedAt, Math.ceil(32 / 6) * 10);
});

Deno.test("schedule: a slow peer's pieces are raced by the mirror once apt has waited the hedge time", () => {
  const result = simulate([peer("fast", 10), peer("slow", 60_000), mirror(20)], 16);
  assert.equal(result.from.length, 16);
  // The slow peer got pieces 2 and 3 at the start; the mirror gave both, one hedge each.
  assert.deepEqual([result.from[2], result.from[3]], ["mirror", "mirror"]);
  assert.equal(count(result.from, "fast"), 14);
  assert.equal(result.hedges, 2);
  // Pieces 0-1 at 10 ms; then piece 2 waits the hedge time and the mirror's 20 ms, then piece 3 too.
  assert.equal(result.finishedAt, 10 + 2 * (PIECE_HEDGE_AFTER_MS + 20));
});

Deno.test("schedule: a dead peer is asked no more than its failures allow; the rest comes from the others", () => {
  const result = simulate([peer("dead", 1, () => false), peer("b", 10), mirror()], 20);
  assert.deepEqual(new Set(result.from), new Set(["b"]));
  assert.equal(result.asked.dead, PIECE_MAX_FAILURES);
  assert.equal(result.asked.mirror, 0);
});

Deno.test("schedule: a lying peer's pieces (failing their hash) are asked again of another peer, in order", () => {
  const result = simulate([peer("liar", 10, () => false), peer("b", 10), peer("c", 10)], 20);
  assert.equal(result.from.length, 20);
  assert.equal(count(result.from, "liar"), 0);
  assert.equal(result.asked.liar, PIECE_MAX_FAILURES);
});

Deno.test("schedule: a piece no peer can give comes from the mirror, and only that piece", () => {
  const lacks5 = (i: number) => i !== 5;
  const result = simulate([peer("a", 10, lacks5), peer("b", 10, lacks5), mirror()], 12);
  assert.equal(result.from[5], "mirror");
  assert.equal(result.asked.mirror, 1);
  assert.equal(count(result.from, "mirror"), 1);
});

Deno.test("schedule: with every peer gone the mirror fills in the whole file", () => {
  const gone = () => false;
  const result = simulate([peer("a", 1, gone), peer("b", 1, gone), mirror(20)], 10);
  assert.deepEqual(result.from, Array(10).fill("mirror"));
  // A failure is counted when its request ends: one more may start while another is out.
  const most = PIECE_MAX_FAILURES + PIECE_REQUESTS_PER_SOURCE - 1;
  assert.ok(result.asked.a <= most && result.asked.b <= most, JSON.stringify(result.asked));
});

Deno.test("schedule: without a mirror, a piece nobody can give stops the fetch", () => {
  const result = simulate([peer("liar", 10, () => false)], 10);
  assert.equal(result.stuck, 0);
  assert.equal(result.from.length, 0);
});

Deno.test("schedule: a stalled peer and no mirror: nothing is due until a request ends (the client's deadlines end it)", () => {
  const result = simulate([peer("stalled", Infinity)], 10);
  assert.equal(result.hung, true);
  assert.equal(result.asked.stalled, 2);
});

Deno.test("schedule: a stalled peer beside a good one costs one hedge wait per piece it holds", () => {
  const result = simulate([peer("stalled", Infinity), peer("b", 10), mirror(20)], 10);
  assert.equal(result.from.length, 10);
  assert.deepEqual([result.from[0], result.from[1]], ["mirror", "mirror"]);
  assert.equal(result.finishedAt, 2 * (PIECE_HEDGE_AFTER_MS + 20));
});

Deno.test("schedule: a second round asks each piece of its assigned peer first", () => {
  const a = peer("a", 10);
  const b = peer("b", 10);
  const result = simulate([a, b], 8, { assign: (i) => (i % 2 ? a : b) });
  assert.deepEqual(result.from, ["b", "a", "b", "a", "b", "a", "b", "a"]);
});

Deno.test("schedule: no more than the window is asked ahead of the piece being handed on", () => {
  const schedule = new PieceSchedule({
    count: 100,
    sources: [{ peer: 1 }, { peer: 2 }],
    window: 4,
    perSource: 10,
  }, 0);
  assert.deepEqual(schedule.plan(0).start.map((r) => r.index), [0, 1, 2, 3]);
  assert.deepEqual(schedule.plan(0).start, [], "nothing new until a piece is handed on");
});

Deno.test("fetchPieces: the mirror's race starts when the injected clock reaches the hedge time", async () => {
  const clock = new ManualClock(0);
  const piece = new Uint8Array(16).fill(7);
  const list: PieceList = { length: 16, pieceLength: 16, pieces: pieceDigest(piece) };
  const stalledPeer: Source = {
    url: "http://peer.test/~/x",
    peer: { address: "192.0.2.1", port: 1 },
  };
  const theMirror: Source = { url: "http://mirror.test/x" };
  const asked: string[] = [];
  const controller = new AbortController();
  const pieces: string[] = [];
  const fetching = fetchPieces({
    list,
    sources: [stalledPeer, theMirror],
    signal: controller.signal,
    clock,
    client: (source) => ({
      request: ({ signal }) => {
        asked.push(source.url);
        if (source === stalledPeer) {
          // Never answers; ends only when the fetch is over.
          return new Promise((_, reject) =>
            signal!.addEventListener("abort", () => reject(signal!.reason), { once: true })
          );
        }
        return Promise.resolve({
          status: 206,
          headers: new Headers({ "content-range": "bytes 0-15/16" }),
          body: new Response(piece).body!,
          cancel() {},
        } as never);
      },
    }),
    onPiece: (_index, _bytes, source) => Promise.resolve(void pieces.push(source.url)),
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  await settle();
  assert.deepEqual(asked, [stalledPeer.url], "the peer first, the mirror not yet");
  clock.advance(PIECE_HEDGE_AFTER_MS - 1);
  await settle();
  assert.deepEqual(asked, [stalledPeer.url], "1 ms early: still not");
  clock.advance(1);
  await fetching;
  assert.deepEqual(asked, [stalledPeer.url, theMirror.url]);
  assert.deepEqual(pieces, [theMirror.url]);
});
