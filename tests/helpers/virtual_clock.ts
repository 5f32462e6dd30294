/**
 * Simulated time for the DHT simulation and for schedules that run for
 * hours: timers (a node's, the simulated network's deliveries) wait in one
 * heap, and time jumps from one to the next. Between batches of timers the pump yields one macrotask
 * (MessageChannel: a few µs; `setTimeout(0)` is clamped to milliseconds), so
 * every promise chain a timer started has run before time moves on.
 * (`ManualClock` scans all its timers for each one it fires and runs them
 * without yielding: right for a test's few, not for 10,000 nodes' or for
 * code that awaits between timers.)
 *
 * @module
 */

import type { Clock, TimerId } from "../../src/util/clock.ts";

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly id: TimerId;
  fn: (() => void) | undefined;
}

/**
 * Timers due within this much of the earliest fire in one batch: the time
 * a node reads may lag its timer by up to this, far below any latency simulated.
 */
const BATCH_MS = 1;

/** A {@link Clock} whose time only moves when pumped. */
export class VirtualClock implements Clock {
  #now: number;
  #heap: Timer[] = [];
  #byId = new Map<TimerId, Timer>();
  #seq = 0;
  #channel = new MessageChannel();
  #wake: (() => void) | undefined;
  /** Timers fired so far (for the run's figures). */
  fired = 0;

  constructor(start = 0) {
    this.#now = start;
    this.#channel.port1.onmessage = () => this.#wake?.();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = ++this.#seq;
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: id, id, fn };
    this.#byId.set(id, timer);
    this.#push(timer);
    return id;
  }

  clearTimeout(id: TimerId): void {
    const timer = this.#byId.get(id);
    if (!timer) return;
    timer.fn = undefined; // left in the heap, skipped when it comes up
    this.#byId.delete(id);
  }

  /** Runs `fn` as if it were `ms` earlier (state it stamps looks that old); no timer may be set in it. */
  backdated(ms: number, fn: () => void): void {
    const now = this.#now;
    this.#now = now - ms;
    try {
      fn();
    } finally {
      this.#now = now;
    }
  }

  /** A promise that resolves `ms` of simulated time from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Runs timers until simulated time reaches `ms` from now (or `stop` says so between batches). */
  async runFor(ms: number, stop?: () => boolean): Promise<void> {
    const until = this.#now + ms;
    while (!stop?.()) {
      const first = this.#peekLive();
      if (!first || first.at > until) break;
      const end = first.at + BATCH_MS;
      while (true) {
        const timer = this.#peekLive();
        if (!timer || timer.at > end || timer.at > until) break;
        this.#pop();
        this.#byId.delete(timer.id);
        this.#now = Math.max(this.#now, timer.at);
        const fn = timer.fn!;
        timer.fn = undefined;
        this.fired++;
        fn();
      }
      await this.#macrotask();
    }
    if (!stop?.()) this.#now = Math.max(this.#now, until);
  }

  /** Runs until `promise` settles or `maxMs` of simulated time passed; its value, or undefined. */
  async runUntil<T>(promise: Promise<T>, maxMs: number): Promise<T | undefined> {
    let settled = false;
    let value: T | undefined;
    promise.then((v) => value = v, () => {}).finally(() => settled = true);
    await this.#macrotask();
    await this.runFor(maxMs, () => settled);
    return value;
  }

  /** Releases the message port (it keeps the process alive). */
  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
  }

  #macrotask(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#channel.port2.postMessage(0);
    });
  }

  #peekLive(): Timer | undefined {
    while (this.#heap.length && this.#heap[0].fn === undefined) this.#pop();
    return this.#heap[0];
  }

  #before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && this.#before(heap[l], heap[m])) m = l;
      if (r < heap.length && this.#before(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
}
