import assert from "node:assert/strict";
import { parseRange, respondWithBody } from "../../src/server/http_response.ts";

Deno.test("parseRange() reads single ranges, suffixes and open ends; ignores what it cannot serve alone", () => {
  assert.deepEqual(parseRange("bytes=0-9", 100), { start: 0, end: 10 });
  assert.deepEqual(parseRange("bytes=90-", 100), { start: 90, end: 100 });
  assert.deepEqual(parseRange("bytes=-10", 100), { start: 90, end: 100 });
  assert.deepEqual(parseRange("bytes=-1000", 100), { start: 0, end: 100 });
  assert.deepEqual(parseRange("bytes=50-1000", 100), { start: 50, end: 100 });
  assert.equal(parseRange("bytes=100-", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=0-1,5-6", 100), undefined);
  assert.equal(parseRange("bytes=9-1", 100), undefined);
  assert.equal(parseRange("items=0-1", 100), undefined);
  assert.equal(parseRange(null, 100), undefined);
});

Deno.test("respondWithBody() answers HEAD without opening the body", async () => {
  let opened = false;
  const response = await respondWithBody(
    new Request("http://x/", { method: "HEAD" }),
    { size: 10 },
    () => {
      opened = true;
      return ReadableStream.from([]);
    },
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), "10");
  assert.equal(opened, false);
});

Deno.test("respondWithBody() honours If-None-Match before If-Modified-Since", async () => {
  const rep = { size: 1, etag: '"a"', lastModified: "Wed, 01 Jan 2025 00:00:00 GMT" };
  const open = () => ReadableStream.from([new Uint8Array([1])]);
  const ask = (headers: HeadersInit) =>
    respondWithBody(new Request("http://x/", { headers }), rep, open);
  assert.equal((await ask({ "if-none-match": '"a"' })).status, 304);
  assert.equal(
    (await ask({ "if-none-match": '"b"', "if-modified-since": rep.lastModified })).status,
    200,
  );
  assert.equal((await ask({ "if-modified-since": "Thu, 02 Jan 2025 00:00:00 GMT" })).status, 304);
  assert.equal((await ask({ "if-modified-since": "Tue, 31 Dec 2024 00:00:00 GMT" })).status, 200);
});

Deno.test("a suffix range of an empty file is the whole empty file, 200, not bytes 0--1/0", async () => {
  const request = new Request("http://x/f", { headers: { range: "bytes=-5" } });
  const response = await respondWithBody(request, { size: 0 }, () => new Response("").body!);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-range"), null);
  assert.equal(response.headers.get("content-length"), "0");
  assert.equal((await response.arrayBuffer()).byteLength, 0);
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
});
