/**
 * What readers of a download in progress get (shared_body.ts): apt gets a
 * mirror's bytes as they come but none of a peer's before the whole file
 * verified, even when a download turns from the mirror to a peer part-way;
 * a peer that follows the download gets every byte as received, and is cut
 * off when the transfer restarts rather than handed a spliced file.
 */

import assert from "node:assert/strict";
import { Attempt } from "../../src/transfer/attempt.ts";
import { SharedBody } from "../../src/transfer/shared_body.ts";
import { Logger } from "../../src/log/mod.ts";
import { testStore } from "../helpers/cache_store.ts";
import { bytes } from "../helpers/archive.ts";
import { createHash } from "node:crypto";
import { concatBytes } from "../../src/util/concat_bytes.ts";

const SIZE = 300_000;
const HALF = 120_000;
const data = bytes(SIZE, 5);
const expected = { size: SIZE, sha256: createHash("sha256").update(data).digest("hex") };

function bodyOf(...parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(parts);
}

/** Reads what the stream gives within `ms` of quiet; whether it ended, and any error. */
async function drain(stream: ReadableStream<Uint8Array>, ms = 150) {
  const reader = stream.getReader();
  const got: Uint8Array[] = [];
  let ended = false;
  let error: unknown;
  while (true) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<"quiet">((r) => timer = setTimeout(() => r("quiet"), ms));
    const next = await Promise.race([reader.read(), quiet]).catch((e) => (error = e, "error"));
    clearTimeout(timer);
    if (next === "quiet" || next === "error") break;
    const { done, value } = next as ReadableStreamReadResult<Uint8Array>;
    if (done) {
      ended = true;
      break;
    }
    got.push(value.slice());
  }
  return { bytes: concatBytes(got), ended, error, reader };
}

async function world() {
  const cache = await testStore();
  const ended = Promise.withResolvers<void>();
  const body = new SharedBody({
    key: "test/file",
    log: new Logger("error"),
    signal: new AbortController().signal,
    done: () => ended.promise,
    onDiskFull: () => {},
  });
  return { cache, body, ended };
}

Deno.test("shared body: the mirror's bytes reach apt as they come, a peer's from where they begin only once verified", async () => {
  const { cache, body, ended } = await world();
  await using _ = cache;
  const attempt = await Attempt.begin(1, cache.store, expected, 1);
  await body.begin(attempt);
  const apt = body.stream(0, SIZE);
  await body.pump(attempt, bodyOf(data.subarray(0, HALF)), SIZE, "mirror").catch(() => {});
  // The body ended short of the file: an interruption, as a cut mirror; what came stays.
  assert.equal(attempt.written, HALF);
  // The download turns to a peer: from here on its bytes are held back.
  attempt.markPeerBytesFrom(HALF);
  await body.pump(attempt, bodyOf(data.subarray(HALF)), SIZE, "peer");
  const early = await drain(apt);
  assert.equal(early.bytes.length, HALF, "apt got the mirror's part and nothing of the peer's");
  assert.deepEqual(early.bytes, data.subarray(0, HALF));
  assert.equal(early.ended, false);
  assert.equal(attempt.verdict().ok, true);
  body.finish(attempt);
  early.reader.releaseLock();
  const rest = await drain(apt);
  assert.ok(rest.ended);
  assert.deepEqual(rest.bytes, data.subarray(HALF));
  await attempt.close();
  ended.resolve();
});

Deno.test("shared body: a follower gets every byte as received, a peer's too, and is cut off by a restart", async () => {
  const { cache, body, ended } = await world();
  await using _ = cache;
  const first = await Attempt.begin(1, cache.store, expected, Infinity); // all held from apt
  await body.begin(first);
  const apt = body.stream(0, SIZE);
  const follower = body.streamReceived(0, SIZE);
  await body.pump(first, bodyOf(data.subarray(0, HALF)), HALF, "peer");
  const got = await drain(follower);
  assert.deepEqual(got.bytes, data.subarray(0, HALF), "the follower has what came");
  assert.equal((await drain(apt)).bytes.length, 0, "apt has nothing before the file verified");
  // The transfer restarts (that source failed): the follower's next read is an error.
  const second = await Attempt.begin(2, cache.store, expected, 1);
  await body.begin(second);
  await body.pump(second, bodyOf(data.subarray(0, 1000)), SIZE, "mirror").catch(() => {});
  got.reader.releaseLock();
  const after = await drain(follower);
  assert.ok(after.error, "the follower was cut off, not handed the new transfer's bytes");
  // A new follower reads the new transfer.
  const next = await drain(body.streamReceived(0, SIZE));
  assert.deepEqual(next.bytes, data.subarray(0, 1000));
  await first.remove();
  await second.remove();
  ended.resolve();
});
