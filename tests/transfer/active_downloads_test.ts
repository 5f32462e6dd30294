/** The registry of downloads in progress: one per key, found by content too, gone when ended. */

import assert from "node:assert/strict";
import { ActiveDownloads } from "../../src/transfer/active_downloads.ts";

/** A download's lifetime only: it ends when told. */
function ongoing() {
  const { promise, resolve } = Promise.withResolvers<undefined>();
  const aborted: string[] = [];
  return {
    done: promise,
    abort: (reason?: string) => void aborted.push(reason ?? ""),
    end: () => resolve(undefined),
    aborted,
  };
}

Deno.test("a download is found by its key and by its content's SHA-256 under another key, until it ends", async () => {
  const active = new ActiveDownloads<ReturnType<typeof ongoing>>();
  const a = ongoing();
  active.add("m/debian/pool/a.deb", a, "aa".repeat(32));
  assert.equal(active.find("m/debian/pool/a.deb"), a);
  assert.equal(active.find("m/debian/by-hash/SHA256/aaaa", "aa".repeat(32)), a);
  assert.equal(active.find("other", "bb".repeat(32)), undefined);
  assert.equal(active.has("m/debian/by-hash/SHA256/aaaa"), false, "has() is the exact key only");
  assert.equal(active.size, 1);
  a.end();
  await active.idle();
  assert.equal(active.size, 0);
  assert.equal(active.find("m/debian/by-hash/SHA256/aaaa", "aa".repeat(32)), undefined);
});

Deno.test("an ended download does not take away its successor under the same key", async () => {
  const active = new ActiveDownloads<ReturnType<typeof ongoing>>();
  const first = ongoing();
  active.add("k", first, "cc".repeat(32));
  active.forget("k", first); // a revalidation whose 304 this key could not use
  const second = ongoing();
  active.add("k", second, "cc".repeat(32));
  first.end();
  await first.done;
  await Promise.resolve();
  assert.equal(active.find("k"), second);
  assert.equal(active.find("x", "cc".repeat(32)), second);
  second.end();
  await active.idle();
  assert.equal(active.size, 0);
});

Deno.test("idle() waits for downloads started while it waits; abortAll() reaches every one", async () => {
  const active = new ActiveDownloads<ReturnType<typeof ongoing>>();
  const a = ongoing();
  const b = ongoing();
  active.add("a", a);
  let idle = false;
  const waiting = active.idle().then(() => idle = true);
  active.add("b", b);
  active.abortAll("stopping");
  assert.deepEqual([a.aborted, b.aborted], [["stopping"], ["stopping"]]);
  a.end();
  await a.done;
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(idle, false, "b is still running");
  b.end();
  await waiting;
  assert.equal(active.size, 0);
});
