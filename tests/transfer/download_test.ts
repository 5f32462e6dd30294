/**
 * The transfer engine built directly, with fake sources: no daemon, no
 * network, no sleeps. Each test drives one of the engine's promises:
 * failover order, resume, a restart compared with what readers already
 * had, a full disk, and a piece round with a bad piece.
 */

import assert from "node:assert/strict";
import { UpstreamError } from "../../src/fetch/mod.ts";
import { encodePieceList, newHasher, PIECE_BYTES, pieceListName } from "../../src/hash/mod.ts";
import { PieceHasher } from "../../src/hash/pieces.ts";
import { Download, type PeerRef } from "../../src/transfer/mod.ts";
import type { DownloadRequest } from "../../src/transfer/download_request.ts";
import { peerUrl } from "../../src/transfer/peer_ref.ts";
import type { SourceReport } from "../../src/transfer/source.ts";
import { testStore } from "../helpers/cache_store.ts";
import {
  bytesOf,
  cutOff,
  FakeClient,
  fillingDisk,
  ok,
  ranged,
  readAll,
  recordingLog,
} from "../helpers/fake_sources.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

const MIRROR_A = "http://mirror-a.test/debian/pool/main/h/hello/hello.deb";
const MIRROR_B = "http://mirror-b.test/debian/pool/main/h/hello/hello.deb";

function sha256Of(bytes: Uint8Array): string {
  const hasher = newHasher("sha256");
  hasher.update(bytes);
  return hasher.hexdigest();
}

/** A download of `request` through `client`, its peer reports, and its log. */
async function start(
  request: Partial<DownloadRequest> & { upstreams: readonly string[] },
  client: FakeClient,
  options: { peerClient?: FakeClient; diskBudget?: number } = {},
) {
  const store = await testStore();
  const { log, events } = recordingLog();
  const reports: string[] = [];
  const busy: string[] = [];
  const diskFull: Error[] = [];
  const cache = options.diskBudget === undefined
    ? store.store
    : fillingDisk(store.store, options.diskBudget);
  const download = new Download({ key: "h/hello.deb", resumeAttempts: 2, ...request }, {
    client,
    cache,
    log,
    peers: {
      client: options.peerClient ?? client,
      report: (peer: PeerRef, report: SourceReport) =>
        reports.push(`${peer.address}:${peer.port} ${report.kind}`),
      busy: (peer: PeerRef, delta: 1 | -1) => busy.push(`${peer.address}:${peer.port} ${delta}`),
    },
    onDiskFull: (error) => diskFull.push(error),
  });
  return { download, store, events, reports, diskFull, busy };
}

Deno.test("failover goes peers, then mirrors in order, and a mirror's other address before the next mirror", async () => {
  const body = bytesOf(100_000);
  const wrong = bytesOf(100_000, 2);
  const peers = [{ address: "127.0.0.2", port: 9977 }, { address: "::1", port: 9977 }];
  const path = `/~/${sha256Of(body)}`;
  const client = new FakeClient()
    .on(peerUrl(peers[0], path), () => ({ status: 404 }))
    .on(peerUrl(peers[1], path), () => ok(wrong))
    // Mirror A: its first address sends wrong bytes, its second is behind (404).
    .on(MIRROR_A, (r) =>
      r.avoid?.has("192.0.2.1") ? { status: 404, address: "192.0.2.2" } : {
        ...ok(wrong),
        address: "192.0.2.1",
      })
    .on(MIRROR_B, () => ok(body));
  client.addresses.set(MIRROR_A, ["192.0.2.1", "192.0.2.2"]);
  const { download, store, reports, busy } = await start({
    upstreams: [MIRROR_A, MIRROR_B],
    peers: Promise.resolve(peers),
    peerPath: path,
    expected: { size: body.length, sha256: sha256Of(body) },
  }, client);
  await using _ = store;

  const outcome = await download.outcome;
  assert.equal(outcome.kind, "body");
  // Read once over: a reader that came during mirror A's wrong bytes is cut off (the restart test).
  const file = await download.done;
  assert.equal(file?.sha256, sha256Of(body));
  assertBytes(await readAll(download.stream()), body);
  assert.deepEqual(client.log, [
    `GET http://127.0.0.2:9977${path}`,
    `GET http://[::1]:9977${path}`,
    `GET ${MIRROR_A}`,
    `GET ${MIRROR_A}`, // the same mirror, on its other address
    `GET ${MIRROR_B}`,
  ]);
  assert.deepEqual(client.requests[3].avoid, new Set(["192.0.2.1"]));
  assert.deepEqual(client.failedAddresses, [`${MIRROR_A} 192.0.2.1`, `${MIRROR_A} 192.0.2.2`]);
  assert.deepEqual(reports, ["127.0.0.2:9977 failed", "::1:9977 wrong"]);
  // Each peer counted busy while asked (the pending factor of its score), and idle after.
  assert.deepEqual(busy, ["127.0.0.2:9977 1", "127.0.0.2:9977 -1", "::1:9977 1", "::1:9977 -1"]);
});

Deno.test("an interrupted transfer resumes from where it broke off, with If-Range, and verifies whole", async () => {
  const body = bytesOf(300_000, 3);
  const { promise: broken, resolve: cut } = Promise.withResolvers<void>();
  const client = new FakeClient().on(MIRROR_A, (request) => {
    if (request.rangeFrom === undefined) {
      return {
        status: 200,
        headers: { "content-length": String(body.length), etag: '"v1"' },
        body: cutOff(body.slice(0, 120_000), broken),
      };
    }
    assert.equal(request.ifRange, '"v1"');
    return ranged(body, request);
  });
  const { download, store, events } = await start({
    upstreams: [MIRROR_A],
    expected: { size: body.length, sha256: sha256Of(body) },
  }, client);
  await using _ = store;

  assert.equal((await download.outcome).kind, "body");
  const reader = download.stream().getReader();
  const first = await reader.read(); // readers get the bytes as they come
  assert.equal(first.value?.length, 120_000 - 1); // the last byte waits for the whole file's hash
  cut();
  const rest = await readAll(
    new ReadableStream({
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    }),
  );
  const whole = new Uint8Array([...first.value!, ...rest]);
  assertBytes(whole, body);
  assert.equal((await download.done)?.sha256, sha256Of(body));
  assert.deepEqual(client.log, [`GET ${MIRROR_A}`, `GET ${MIRROR_A} 120000-`]);
  assertBytes(await readAll(download.stream()), body, "and from the cache, once committed");
  assert.ok(events.includes("download.resume"));
});

Deno.test("a restart is compared with what readers already got: the same bytes go on, a differing byte cuts the reader off", async () => {
  for (const changed of [false, true]) {
    const before = bytesOf(200_000, 4);
    const after = changed ? bytesOf(200_000, 5) : before;
    const { promise: broken, resolve: cut } = Promise.withResolvers<void>();
    const client = new FakeClient().on(MIRROR_A, (request) => {
      if (request.rangeFrom === undefined) {
        return {
          status: 200,
          headers: { "content-length": String(before.length), etag: '"v1"' },
          body: cutOff(before.slice(0, 100_000), broken),
        };
      }
      return ok(after, { etag: '"v2"' }); // the file changed on the mirror: it sends it whole
    });
    // An index file: no hash known, so nothing is held back and readers see bytes at once.
    const { download, store, events } = await start({ upstreams: [MIRROR_A] }, client);
    await using _ = store;

    await download.outcome;
    const reader = download.stream().getReader();
    assert.equal((await reader.read()).value?.length, 100_000);
    cut();
    const rest: Uint8Array[] = [];
    let error: unknown;
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        rest.push(value);
      }
    } catch (e) {
      error = e;
    }
    const file = await download.done;
    if (changed) {
      assert.ok(error instanceof UpstreamError && error.failure === "mismatch", String(error));
      assert.ok(events.includes("download.restart_differs"));
      // A reader starting now gets the new file whole, never a splice.
      assertBytes(await readAll(download.stream()), after);
    } else {
      assert.equal(error, undefined);
      assert.deepEqual(
        new Uint8Array([...before.slice(0, 100_000), ...rest.flatMap((r) => [...r])]),
        before,
      );
    }
    assert.equal(file?.sha256, sha256Of(after));
  }
});

Deno.test("a reader who got a wrong byte is cut off even when the next attempt agreed with it and only the one after differs", async () => {
  const right = bytesOf(100_000, 7);
  const wrong = right.slice();
  wrong.fill(9, 60_000, 61_000);
  const MIRROR_C = "http://mirror-c.test/debian/pool/main/h/hello/hello.deb";
  const { promise: gate, resolve: open } = Promise.withResolvers<void>();
  // A sends the wrong bytes and waits before ending, so the reader has all but the held-back last one.
  const held = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!held.locked) return;
      controller.enqueue(wrong.slice());
      await gate;
      controller.close();
    },
  }, { highWaterMark: 0 });
  const client = new FakeClient()
    .on(MIRROR_A, () => ({ status: 200, headers: { "content-length": "100000" }, body: held }))
    .on(MIRROR_B, () => ok(wrong)) // agrees with A where the reader read
    .on(MIRROR_C, () => ok(right)); // differs from B, and so from A
  const { download, store } = await start({
    upstreams: [MIRROR_A, MIRROR_B, MIRROR_C],
    expected: { size: right.length, sha256: sha256Of(right) },
  }, client);
  await using _ = store;
  const reader = download.stream().getReader();
  let got = 0;
  while (got < right.length - 1) got += (await reader.read()).value!.length;
  open();
  const file = await download.done;
  assert.equal(file?.sha256, sha256Of(right));
  // The reader holds A's byte 60,000, which C does not have: it must get an error, not C's last byte.
  await assert.rejects(async () => {
    while (!(await reader.read()).done) { /* drain */ }
  }, (e) => e instanceof UpstreamError && e.failure === "mismatch");
});

Deno.test("with the disk full mid-download, the file still reaches readers, from memory, and is not cached", async () => {
  const body = bytesOf(400_000, 6);
  const client = new FakeClient().on(MIRROR_A, () => ok(body));
  const { download, store, diskFull, events } = await start(
    {
      upstreams: [MIRROR_A],
      expected: { size: body.length, sha256: sha256Of(body) },
    },
    client,
    { diskBudget: 150_000 },
  );
  await using _ = store;

  assert.equal((await download.outcome).kind, "body");
  assertBytes(await readAll(download.stream()), body);
  assert.equal(await download.done, undefined); // verified, given out, not cached
  assert.equal(diskFull.length, 1);
  assert.ok(events.includes("download.not_cached"));
  assert.equal(store.store.open("h/hello.deb"), undefined);
  const partials = [...Deno.readDirSync(`${store.dir}/.partial`)];
  assert.deepEqual(partials, [], "no temp file is left behind");
});

Deno.test("a piece round with a bad piece: the piece comes from another peer, the file verifies, the sender is blamed", async () => {
  const body = bytesOf(PIECE_BYTES * 2 + 1000, 7);
  const sha256 = sha256Of(body);
  const hasher = new PieceHasher();
  hasher.update(body);
  const encoded = encodePieceList(hasher.finish(body.length));
  const listKey = pieceListName(encoded);
  const honest = { address: "127.0.1.1", port: 9977 };
  const liar = { address: "127.0.2.1", port: 9977 };
  const path = `/~/${sha256}`;
  const client = new FakeClient();
  for (const peer of [honest, liar]) {
    client.on(peerUrl(peer, path), (request) => {
      if (request.method === "HEAD") {
        return { status: 200, headers: { "x-apt-dht-pieces": listKey } };
      }
      const answer = ranged(body, request);
      // The liar garbles every piece but the first.
      if (peer === liar && (request.rangeFrom ?? 0) > 0) {
        const bad = (answer.body as Uint8Array).slice();
        bad[10] ^= 0xff;
        return { ...answer, body: bad };
      }
      return answer;
    });
    client.on(peerUrl(peer, `/~/${listKey}`), () => ok(encoded));
  }
  client.on(MIRROR_A, () => {
    throw new Error("the mirror is not needed");
  });
  const { download, store, reports, busy } = await start({
    upstreams: [MIRROR_A],
    peers: [liar, honest],
    peerPath: path,
    expected: { size: body.length, sha256 },
  }, client);
  await using _ = store;

  const outcome = await download.outcome;
  assert.equal(outcome.kind, "body");
  assert.equal(outcome.kind === "body" && outcome.source, "peer");
  assertBytes(await readAll(download.stream()), body);
  assert.equal((await download.done)?.sha256, sha256);
  assert.ok(!client.log.some((line) => line.includes("mirror-a")), client.log.join("\n"));
  assert.ok(reports.includes("127.0.2.1:9977 wrong"), reports.join("\n"));
  assert.ok(!reports.includes("127.0.1.1:9977 wrong"), reports.join("\n"));
  assert.ok(reports.includes("127.0.1.1:9977 delivered"), reports.join("\n"));
  for (const peer of ["127.0.1.1:9977", "127.0.2.1:9977"]) {
    const deltas = busy.filter((b) => b.startsWith(peer + " ")).map((b) => Number(b.split(" ")[1]));
    assert.ok(deltas.length > 0, `${peer} was asked for pieces`);
    assert.equal(deltas.reduce((a, b) => a + b, 0), 0, `${peer} is idle once the file is in`);
  }
});
