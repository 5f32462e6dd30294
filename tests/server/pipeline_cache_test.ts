import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, sha256, writeFile } from "../helpers/archive.ts";
import { rawRequest } from "../helpers/raw_http.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

async function setup(toml: Record<string, unknown> = {}) {
  const root = await Deno.makeTempDir({ prefix: "apt-dht-mirror-" });
  const mirror = await MirrorServer.start(root);
  const daemon = await startTestDaemon(toml);
  return {
    root,
    mirror,
    daemon,
    async [Symbol.asyncDispose]() {
      await daemon[Symbol.asyncDispose]();
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("a pool file is fetched once, cached, recorded, and then served from the cache", async () => {
  await using t = await setup();
  const data = bytes(300_000, 7);
  await writeFile(t.root, "debian/pool/main/h/hello/hello_1.0_amd64.deb", data);
  const url = `${t.daemon.base}/${t.mirror.authority}/debian/pool/main/h/hello/hello_1.0_amd64.deb`;

  const first = await fetch(url);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("x-apt-dht-source"), "mirror");
  assertBytes(new Uint8Array(await first.arrayBuffer()), data);
  await t.daemon.pipeline.idle();

  const cachedPath =
    `${t.daemon.cacheDir}/${t.mirror.authority}/debian/pool/main/h/hello/hello_1.0_amd64.deb`;
  assertBytes(await Deno.readFile(cachedPath), data);
  const db = new DatabaseSync(`${t.daemon.stateDir}/apt-dht.db`, { readOnly: true });
  const row = db.prepare("SELECT size, sha256 FROM files WHERE path = ?").get(
    `${t.mirror.authority}/debian/pool/main/h/hello/hello_1.0_amd64.deb`,
  );
  db.close();
  assert.deepEqual({ ...row }, { size: data.length, sha256: sha256(data) });

  const second = await fetch(url);
  assert.equal(second.headers.get("x-apt-dht-source"), "cache");
  assertBytes(new Uint8Array(await second.arrayBuffer()), data);
  assert.equal(t.mirror.requestsFor("hello_1.0_amd64.deb").length, 1);
});

Deno.test("proxy mode: an absolute-form request goes through the same pipeline and cache", async () => {
  await using t = await setup();
  await writeFile(t.root, "debian/pool/main/p/proxy/proxy_1.0_all.deb", "proxied bytes");
  const target = `http://${t.mirror.authority}/debian/pool/main/p/proxy/proxy_1.0_all.deb`;
  const first = await rawRequest(t.daemon.port, `GET ${target} HTTP/1.1`, {
    host: t.mirror.authority,
  });
  assert.equal(first.status, 200);
  assert.equal(new TextDecoder().decode(first.body), "proxied bytes");
  await t.daemon.pipeline.idle();
  // The same file by URL-rewrite mode is now a cache hit: both modes share keys.
  const rewrite = await fetch(
    `${t.daemon.base}/${t.mirror.authority}/debian/pool/main/p/proxy/proxy_1.0_all.deb`,
  );
  assert.equal(rewrite.headers.get("x-apt-dht-source"), "cache");
  assert.equal(await rewrite.text(), "proxied bytes");
  assert.equal(t.mirror.log.length, 1);
});

Deno.test("concurrent requests for one file share one upstream download", async () => {
  await using t = await setup();
  const data = bytes(2_000_000, 3);
  await writeFile(t.root, "debian/pool/main/b/big/big_1_amd64.deb", data);
  t.mirror.faults.set("/debian/pool/main/b/big/big_1_amd64.deb", { kind: "delay", ms: 200 });
  const url = `${t.daemon.base}/${t.mirror.authority}/debian/pool/main/b/big/big_1_amd64.deb`;
  const bodies = await Promise.all(
    Array.from(
      { length: 6 },
      () => fetch(url).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    ),
  );
  for (const body of bodies) assertBytes(body, data);
  assert.equal(t.mirror.requestsFor("big_1_amd64.deb").length, 1);
});

Deno.test("an upstream 404 reaches apt as 404 and nothing is cached", async () => {
  await using t = await setup();
  const response = await fetch(
    `${t.daemon.base}/${t.mirror.authority}/debian/pool/main/n/none/none_1_all.deb`,
  );
  assert.equal(response.status, 404);
  await response.body?.cancel();
  await t.daemon.pipeline.idle();
  await assert.rejects(
    Deno.stat(`${t.daemon.cacheDir}/${t.mirror.authority}/debian/pool/main/n/none/none_1_all.deb`),
  );
  const again = await fetch(
    `${t.daemon.base}/${t.mirror.authority}/debian/pool/main/n/none/none_1_all.deb`,
  );
  assert.equal(again.status, 404);
  await again.body?.cancel();
  assert.equal(t.mirror.log.length, 2);
});

Deno.test("Range, If-Range and If-Modified-Since are answered from the cache", async () => {
  await using t = await setup();
  const data = bytes(100_000, 9);
  await writeFile(t.root, "debian/pool/main/r/range/range_1_all.deb", data);
  const url = `${t.daemon.base}/${t.mirror.authority}/debian/pool/main/r/range/range_1_all.deb`;
  const full = await fetch(url);
  const lastModified = full.headers.get("last-modified")!;
  await full.arrayBuffer();
  await t.daemon.pipeline.idle();

  const partial = await fetch(url, { headers: { range: "bytes=1000-1999" } });
  assert.equal(partial.status, 206);
  assert.equal(partial.headers.get("content-range"), `bytes 1000-1999/${data.length}`);
  assertBytes(new Uint8Array(await partial.arrayBuffer()), data.subarray(1000, 2000));

  const open = await fetch(url, { headers: { range: "bytes=99000-" } });
  assertBytes(new Uint8Array(await open.arrayBuffer()), data.subarray(99000));

  const stale = await fetch(url, {
    headers: { range: "bytes=0-9", "if-range": "Wed, 01 Jan 2020 00:00:00 GMT" },
  });
  assert.equal(stale.status, 200);
  assert.equal((await stale.arrayBuffer()).byteLength, data.length);

  const matching = await fetch(url, { headers: { range: "bytes=0-9", "if-range": lastModified } });
  assert.equal(matching.status, 206);
  await matching.arrayBuffer();

  const unsatisfiable = await fetch(url, { headers: { range: `bytes=${data.length}-` } });
  assert.equal(unsatisfiable.status, 416);
  await unsatisfiable.body?.cancel();

  const notModified = await fetch(url, { headers: { "if-modified-since": lastModified } });
  assert.equal(notModified.status, 304);
  assert.equal(t.mirror.log.length, 1);
});

Deno.test("index files are served fresh for the window, then revalidated with If-Modified-Since", async () => {
  await using t = await setup({ cache: { index_freshness: 1.5 } });
  await writeFile(t.root, "debian/dists/stable/InRelease", "Origin: first\n");
  const url = `${t.daemon.base}/${t.mirror.authority}/debian/dists/stable/InRelease`;
  assert.equal(await (await fetch(url)).text(), "Origin: first\n");
  await t.daemon.pipeline.idle();
  const fresh = await fetch(url);
  assert.equal(fresh.headers.get("x-apt-dht-source"), "cache");
  await fresh.arrayBuffer();
  assert.equal(t.mirror.log.length, 1);

  await new Promise((r) => setTimeout(r, 1600));
  const revalidated = await fetch(url);
  assert.equal(revalidated.headers.get("x-apt-dht-source"), "revalidated");
  assert.equal(await revalidated.text(), "Origin: first\n");
  assert.equal(t.mirror.log.at(-1)!.status, 304);
  assert.ok(
    t.mirror.log.at(-1)!.headers.get("if-modified-since") ||
      t.mirror.log.at(-1)!.headers.get("if-none-match"),
  );

  await new Promise((r) => setTimeout(r, 1600));
  await Deno.writeTextFile(`${t.root}/debian/dists/stable/InRelease`, "Origin: second\n");
  await Deno.utime(
    `${t.root}/debian/dists/stable/InRelease`,
    new Date(),
    new Date(Date.now() + 5000),
  );
  const changed = await fetch(url);
  assert.equal(changed.headers.get("x-apt-dht-source"), "mirror");
  assert.equal(await changed.text(), "Origin: second\n");
  await t.daemon.pipeline.idle();
  assert.equal(
    await Deno.readTextFile(
      `${t.daemon.cacheDir}/${t.mirror.authority}/debian/dists/stable/InRelease`,
    ),
    "Origin: second\n",
  );
});

Deno.test("a mirror that is down does not stop a cached index from being served", async () => {
  await using t = await setup({ cache: { index_freshness: 0.1 } });
  await writeFile(t.root, "debian/dists/stable/Release", "Origin: kept\n");
  const url = `${t.daemon.base}/${t.mirror.authority}/debian/dists/stable/Release`;
  await (await fetch(url)).arrayBuffer();
  await t.daemon.pipeline.idle();
  await new Promise((r) => setTimeout(r, 150));
  t.mirror.faults.set("/debian/dists/stable/Release", { kind: "status", status: 503 });
  const broken = await fetch(url);
  assert.equal(broken.headers.get("x-apt-dht-source"), "stale");
  assert.equal(await broken.text(), "Origin: kept\n");
  await t.mirror.stop();
  const stale = await fetch(url);
  assert.equal(stale.headers.get("x-apt-dht-source"), "stale");
  assert.equal(await stale.text(), "Origin: kept\n");
});

Deno.test("leftover partial downloads are cleared at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-test-" });
  await writeFile(dir, "cache/.partial/leftover", "half a file");
  await using daemon = await startTestDaemon({}, dir);
  assert.deepEqual([...Deno.readDirSync(`${daemon.cacheDir}/.partial`)], []);
});

Deno.test("the request line names the upstream that served, and debug logs each step of the download", async () => {
  await using t = await setup();
  await writeFile(t.root, "debian/pool/main/s/steps/steps_1_all.deb", bytes(20_000, 9));
  const path = `${t.mirror.authority}/debian/pool/main/s/steps/steps_1_all.deb`;
  const response = await fetch(`${t.daemon.base}/${path}`);
  await response.arrayBuffer();
  await t.daemon.pipeline.idle();
  const lines = t.daemon.logLines.join("\n");
  const upstream = `http://${t.mirror.authority}/debian/pool/main/s/steps/steps_1_all.deb`;
  assert.match(
    lines,
    new RegExp(`DEBUG download\\.plan key=${path} peers=0 in_pieces=false hash=none`),
  );
  assert.match(
    lines,
    new RegExp(`DEBUG download\\.try key=${path} upstream=${upstream} peer=false`),
  );
  assert.match(
    lines,
    new RegExp(`INFO http\\.request .*status=200 source=mirror .*upstream=${upstream}`),
  );
});
