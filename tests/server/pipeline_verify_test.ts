import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { buildArchive, bytes, writeFile } from "../helpers/archive.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

const POOL = "/debian/pool/main/p/pkg/pkg_1.0_amd64.deb";

/** A mirror with a tiny archive whose indexes the daemon has already read. */
async function setup(
  toml: (mirror: MirrorServer, spare: MirrorServer) => Record<string, unknown> = () => ({}),
) {
  const root = await Deno.makeTempDir({ prefix: "apt-dht-mirror-" });
  const spareRoot = await Deno.makeTempDir({ prefix: "apt-dht-mirror-" });
  const data = bytes(400_000, 11);
  await buildArchive(root, { "pkg_1.0_amd64.deb": data });
  await buildArchive(spareRoot, { "pkg_1.0_amd64.deb": data });
  const mirror = await MirrorServer.start(root);
  const spare = await MirrorServer.start(spareRoot);
  const daemon = await startTestDaemon(toml(mirror, spare));
  return {
    root,
    spareRoot,
    data,
    mirror,
    spare,
    daemon,
    async readIndexes(archive: string) {
      for (const path of ["dists/stable/Release", "dists/stable/main/binary-amd64/Packages"]) {
        const response = await fetch(`${daemon.base}/${archive}/${path}`);
        assert.equal(response.status, 200, path);
        await response.arrayBuffer();
        await daemon.pipeline.idle();
        await daemon.index.settled();
      }
    },
    failures(): { path: string; reason: string }[] {
      const db = new DatabaseSync(`${daemon.stateDir}/apt-dht.db`, { readOnly: true });
      const rows = db.prepare("SELECT path, reason FROM hash_failures").all() as {
        path: string;
        reason: string;
      }[];
      db.close();
      return rows;
    },
    async [Symbol.asyncDispose]() {
      await daemon[Symbol.asyncDispose]();
      await mirror.stop();
      await spare.stop();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(spareRoot, { recursive: true });
    },
  };
}

Deno.test("the indexes that pass through give every pool file its expected hash", async () => {
  await using t = await setup();
  await t.readIndexes(`${t.mirror.authority}/debian`);
  const entry = t.daemon.index.lookup(`${t.mirror.authority}${POOL}`);
  assert.equal(entry?.size, t.data.length);
  assert.match(entry?.sha256 ?? "", /^[0-9a-f]{64}$/);
});

Deno.test("a corrupted file from the mirror is refused, recorded, and never cached", async () => {
  await using t = await setup();
  await t.readIndexes(`${t.mirror.authority}/debian`);
  t.mirror.faults.set(POOL, { kind: "corrupt", offset: 123_456, times: 1 });
  const url = `${t.daemon.base}/${t.mirror.authority}${POOL}`;
  const response = await fetch(url);
  // The bytes before the corruption may already be on their way; the end never is.
  await assert.rejects(response.arrayBuffer());
  await t.daemon.pipeline.idle();
  await assert.rejects(Deno.stat(`${t.daemon.cacheDir}/${t.mirror.authority}${POOL}`));
  assert.equal(t.failures().length, 1);
  assert.match(t.failures()[0].reason, /sha256/);
  assert.deepEqual([...Deno.readDirSync(`${t.daemon.cacheDir}/.partial`)], []);
  // The administrator sees it on the status page and in /stats.json.
  const stats = await (await fetch(`${t.daemon.base}/stats.json`)).json();
  assert.equal(stats.hash_failures.length, 1);
  assert.equal(stats.hash_failures[0].path, `${t.mirror.authority}${POOL}`);
  assert.match(stats.hash_failures[0].reason, /sha256/);
  const page = await (await fetch(`${t.daemon.base}/`)).text();
  assert.match(page, /Recent hash failures/);

  const retry = await fetch(url);
  assertBytes(new Uint8Array(await retry.arrayBuffer()), t.data);
});

Deno.test("a file of the wrong length is refused before a byte is sent", async () => {
  await using t = await setup();
  await t.readIndexes(`${t.mirror.authority}/debian`);
  await writeFile(t.root, POOL.slice(1), bytes(1000, 5));
  const response = await fetch(`${t.daemon.base}/${t.mirror.authority}${POOL}`);
  assert.equal(response.status, 502);
  await response.arrayBuffer();
  assert.match(t.failures()[0].reason, /length 1000/);
});

Deno.test("a mirror alias fails over on errors and on wrong content, and apt gets the good file", async () => {
  await using t = await setup((mirror, spare) => ({
    mirrors: { test: { upstreams: [`${mirror.base}/debian`, `${spare.base}/debian`] } },
  }));
  await t.readIndexes("test");
  const url = `${t.daemon.base}/test/pool/main/p/pkg/pkg_1.0_amd64.deb`;

  // 1. A server error on the first upstream.
  t.mirror.faults.set(POOL, { kind: "status", status: 500, times: 1 });
  assertBytes(new Uint8Array(await (await fetch(url)).arrayBuffer()), t.data);
  assert.equal(t.spare.requestsFor("pkg_1.0_amd64.deb").length, 1);
  await t.daemon.pipeline.idle();

  // 2. A wrong file on the first upstream (wrong length: refused before any byte).
  await Deno.remove(`${t.daemon.cacheDir}/test/pool/main/p/pkg/pkg_1.0_amd64.deb`);
  await writeFile(t.root, POOL.slice(1), bytes(5000, 2));
  assertBytes(new Uint8Array(await (await fetch(url)).arrayBuffer()), t.data);
  assert.equal(t.spare.requestsFor("pkg_1.0_amd64.deb").length, 2);
  assert.equal(t.failures().length, 1);
});

for (const [where, offset] of [["in the held-back last byte", -1], ["early", 1000]] as const) {
  Deno.test(`a mismatch ${where} on one alias upstream is healed by the next; no client gets a wrong file`, async () => {
    await using t = await setup((mirror, spare) => ({
      mirrors: { test: { upstreams: [`${mirror.base}/debian`, `${spare.base}/debian`] } },
    }));
    await t.readIndexes("test");
    t.mirror.faults.set(POOL, {
      kind: "corrupt",
      offset: offset < 0 ? t.data.length + offset : offset,
    });
    const url = `${t.daemon.base}/test/pool/main/p/pkg/pkg_1.0_amd64.deb`;
    const results = await Promise.all(
      Array.from(
        { length: 3 },
        () =>
          fetch(url).then((r) => r.arrayBuffer()).then(
            (b) => new Uint8Array(b),
            () => "error" as const,
          ),
      ),
    );
    // Each client got the whole good file, or an error: never wrong bytes in a complete body.
    for (const result of results) if (result !== "error") assertBytes(result, t.data);
    // The last byte is never sent before verification, so there every client is healed.
    if (offset < 0) assert.ok(results.every((r) => r !== "error"));
    await t.daemon.pipeline.idle();
    assert.deepEqual(
      await Deno.readFile(`${t.daemon.cacheDir}/test/pool/main/p/pkg/pkg_1.0_amd64.deb`),
      t.data,
    );
    assert.equal(t.failures().length, 1);
    assertBytes(new Uint8Array(await (await fetch(url)).arrayBuffer()), t.data);
  });
}

Deno.test("an interrupted transfer is resumed with Range and If-Range", async () => {
  await using t = await setup();
  t.mirror.faults.set(POOL, { kind: "cut", bytes: 150_000, times: 1 });
  const response = await fetch(`${t.daemon.base}/${t.mirror.authority}${POOL}`);
  assertBytes(new Uint8Array(await response.arrayBuffer()), t.data);
  const requests = t.mirror.requestsFor("pkg_1.0_amd64.deb");
  assert.equal(requests.length, 2);
  assert.equal(requests[1].status, 206);
  assert.match(requests[1].headers.get("range") ?? "", /^bytes=\d+-$/);
  assert.ok(requests[1].headers.get("if-range"));
});

Deno.test("a stalled mirror is abandoned after the idle timeout and the transfer resumes", async () => {
  await using t = await setup();
  t.mirror.faults.set(POOL, { kind: "stall", bytes: 100_000, times: 1 });
  const started = Date.now();
  const response = await fetch(`${t.daemon.base}/${t.mirror.authority}${POOL}`);
  assertBytes(new Uint8Array(await response.arrayBuffer()), t.data);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1900 && elapsed < 6000, `took ${elapsed} ms`);
});

Deno.test("a mirror that keeps hanging gives apt an error in bounded time and blocks nothing after", async () => {
  await using t = await setup(() => ({ upstream: { resume_attempts: 1 } }));
  t.mirror.faults.set(POOL, { kind: "stall", bytes: 1000 });
  const started = Date.now();
  const response = await fetch(`${t.daemon.base}/${t.mirror.authority}${POOL}`);
  await assert.rejects(response.arrayBuffer());
  assert.ok(Date.now() - started < 8000);
  await t.daemon.pipeline.idle();
  t.mirror.faults.clear();
  const retry = await fetch(`${t.daemon.base}/${t.mirror.authority}${POOL}`);
  assertBytes(new Uint8Array(await retry.arrayBuffer()), t.data);
});

Deno.test("a mirror that closes the connection short of Content-Length gets no file committed", async () => {
  // A raw server: promises 1000 bytes, sends 500, closes cleanly.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const serving = (async () => {
    for await (const connection of listener) {
      const buffer = new Uint8Array(4096);
      await connection.read(buffer);
      const head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
      await connection.write(new TextEncoder().encode(head));
      await connection.write(new Uint8Array(500).fill(65));
      connection.close();
    }
  })();
  await using daemon = await startTestDaemon({ upstream: { resume_attempts: 1 } });
  try {
    const response = await fetch(
      `${daemon.base}/127.0.0.1:${port}/debian/pool/main/s/short/short_1_all.deb`,
    );
    await assert.rejects(response.arrayBuffer());
    await daemon.pipeline.idle();
    await assert.rejects(
      Deno.stat(`${daemon.cacheDir}/127.0.0.1:${port}/debian/pool/main/s/short/short_1_all.deb`),
    );
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});

Deno.test("one content under two URLs: a cached twin is served and linked, and concurrent requests share one transfer", async () => {
  await using t = await setup((mirror) => ({
    mirrors: { test: { upstreams: [`${mirror.base}/debian`] } },
  }));
  await t.readIndexes(`${t.mirror.authority}/debian`);
  await t.readIndexes("test");
  // Concurrent: the host URL and the alias URL of one package, while the mirror is slow.
  t.mirror.faults.set(POOL, { kind: "delay", ms: 300 });
  const [viaHost, viaAlias] = await Promise.all([
    fetch(`${t.daemon.base}/${t.mirror.authority}${POOL}`).then((r) => r.arrayBuffer()),
    fetch(`${t.daemon.base}/test/pool/main/p/pkg/pkg_1.0_amd64.deb`).then((r) => r.arrayBuffer()),
  ]);
  assertBytes(new Uint8Array(viaHost), t.data);
  assertBytes(new Uint8Array(viaAlias), t.data);
  assert.equal(t.mirror.requestsFor("pkg_1.0_amd64.deb").length, 1, "one transfer for both URLs");
  await t.daemon.pipeline.idle();

  // Cached under one URL only; the other is served from it and linked.
  const packagesKey = `${t.mirror.authority}/debian/dists/stable/main/binary-amd64/Packages`;
  const byHash = `${t.mirror.authority}/debian/dists/stable/main/binary-amd64/by-hash/SHA256/${
    t.daemon.index.lookup(packagesKey)!.sha256
  }`;
  const before = t.mirror.log.length;
  const twin = await fetch(`${t.daemon.base}/${byHash}`);
  assert.equal(twin.headers.get("x-apt-dht-source"), "cache");
  await twin.arrayBuffer();
  assert.equal(t.mirror.log.length, before, "the mirror was not asked");
  await new Promise((r) => setTimeout(r, 50));
  const linked = await Deno.stat(`${t.daemon.cacheDir}/${byHash}`);
  const original = await Deno.stat(`${t.daemon.cacheDir}/${packagesKey}`);
  assert.equal(linked.ino, original.ino, "a hard link, not a copy");
});
