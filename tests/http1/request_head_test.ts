/**
 * parseRequestHead(): the table of heads it takes and refuses, and a
 * seeded fuzz of mutated heads (run with FUZZ_SEED to replay one).
 */

import assert from "node:assert/strict";
import {
  headEnd,
  isHeadError,
  leadingBlankLines,
  parseRequestHead,
} from "../../src/http1/request_head.ts";
import { seededRandom } from "../helpers/seeded_random.ts";

const bytes = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)));
const APT_HEAD =
  "GET /deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb HTTP/1.1\r\n" +
  "Host: 127.0.0.1:9977\r\nUser-Agent: Debian APT-HTTP/1.3 (2.6.1)\r\n" +
  "Range: bytes=100-\r\nIf-Range: Tue, 01 Jan 2030 00:00:00 GMT\r\n\r\n";

Deno.test("parseRequestHead() decodes apt's head: method, raw target, fields in lower case, keep-alive", () => {
  const head = parseRequestHead(bytes(APT_HEAD));
  assert(!isHeadError(head));
  assert.equal(head.method, "GET");
  assert.equal(head.target, "/deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb");
  assert.equal(head.version, "HTTP/1.1");
  assert.equal(head.host, "127.0.0.1:9977");
  assert.deepEqual(head.fields[2], ["range", "bytes=100-"]);
  assert.equal(head.keepAlive, true);
  assert.equal(head.hasBody, false);
});

const CASES: { rule: string; head: string; expect: number | Record<string, unknown> }[] = [
  {
    rule: "HTTP/1.0 closes unless asked",
    head: "GET / HTTP/1.0\r\n\r\n",
    expect: { keepAlive: false },
  },
  {
    rule: "HTTP/1.0 keep-alive when asked",
    head: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    expect: { keepAlive: true },
  },
  {
    rule: "HTTP/1.1 Connection: close among other tokens",
    head: "GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, close\r\n\r\n",
    expect: { keepAlive: false },
  },
  {
    rule: "a Content-Length of 0 is no body",
    head: "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    expect: { hasBody: false },
  },
  {
    rule: "a body is declared by Content-Length",
    head: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
    expect: { hasBody: true },
  },
  {
    rule: "a body is declared by Transfer-Encoding",
    head: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
    expect: { hasBody: true },
  },
  {
    rule: "absolute-form target kept as sent",
    head: "GET http://deb.debian.org/debian/x HTTP/1.1\r\nHost: deb.debian.org\r\n\r\n",
    expect: { target: "http://deb.debian.org/debian/x" },
  },
  {
    rule: "CONNECT's authority-form",
    head: "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n",
    expect: { method: "CONNECT", target: "example.org:443" },
  },
  {
    rule: "traversal is the handler's to refuse, kept raw",
    head: "GET /a/../%2e%2e/b HTTP/1.1\r\nHost: a\r\n\r\n",
    expect: { target: "/a/../%2e%2e/b" },
  },
  {
    rule: "no Host: left to the handler",
    head: "GET / HTTP/1.1\r\n\r\n",
    expect: { host: undefined },
  },
  { rule: "two Hosts", head: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", expect: 400 },
  {
    rule: "Content-Length and Transfer-Encoding (smuggling)",
    head: "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    expect: 400,
  },
  {
    rule: "two different Content-Lengths",
    head: "GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
    expect: 400,
  },
  {
    rule: "a negative Content-Length",
    head: "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    expect: 400,
  },
  { rule: "space before the colon", head: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", expect: 400 },
  { rule: "obs-fold", head: "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", expect: 400 },
  { rule: "a NUL in a value", head: "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", expect: 400 },
  { rule: "a bare LF inside a line", head: "GET / HTTP/1.1\r\nX-A: a\nb: c\r\n\r\n", expect: 400 },
  { rule: "two spaces in the request line", head: "GET  / HTTP/1.1\r\n\r\n", expect: 400 },
  { rule: "a space in the target", head: "GET /a b HTTP/1.1\r\n\r\n", expect: 400 },
  { rule: "a byte above 0x7e in the target", head: "GET /\xe9 HTTP/1.1\r\n\r\n", expect: 400 },
  { rule: "HTTP/2.0", head: "GET / HTTP/2.0\r\n\r\n", expect: 505 },
  { rule: "not HTTP", head: "GET / FTP/1.1\r\n\r\n", expect: 400 },
  { rule: "a method with a slash", head: "G/T / HTTP/1.1\r\n\r\n", expect: 400 },
  {
    rule: "101 fields",
    head: "GET / HTTP/1.1\r\n" + "X-A: 1\r\n".repeat(101) + "\r\n",
    expect: 431,
  },
  {
    rule: "a head over 32 KiB",
    head: "GET / HTTP/1.1\r\nX-A: " + "a".repeat(33 * 1024) + "\r\n\r\n",
    expect: 431,
  },
  {
    rule: "obs-text in a value is kept",
    head: "GET / HTTP/1.1\r\nX-A: caf\xe9\r\n\r\n",
    expect: {},
  },
];

for (const { rule, head, expect } of CASES) {
  Deno.test(`parseRequestHead(): ${rule}`, () => {
    const result = parseRequestHead(bytes(head));
    if (typeof expect === "number") {
      assert(isHeadError(result), `expected ${expect}, got ${JSON.stringify(result)}`);
      assert.equal(result.status, expect);
      return;
    }
    assert(!isHeadError(result), JSON.stringify(result));
    for (const [key, value] of Object.entries(expect)) {
      assert.deepEqual((result as unknown as Record<string, unknown>)[key], value, key);
    }
  });
}

Deno.test("headEnd() finds the blank line, also when resumed from where it stopped; leading CRLFs are skipped", () => {
  const buffer = bytes("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2");
  const skip = leadingBlankLines(buffer, 0, buffer.length);
  assert.equal(skip, 4);
  const end = headEnd(buffer, skip, buffer.length);
  assert.equal(String.fromCharCode(...buffer.subarray(end)), "GET /2");
  // Resumed one byte at a time.
  let found = -1;
  for (let to = skip + 1; to <= buffer.length && found < 0; to++) {
    found = headEnd(buffer, skip, to, Math.max(skip, to - 4));
  }
  assert.equal(found, end);
  assert.equal(headEnd(buffer, end, buffer.length), -1);
});

Deno.test("parseRequestHead() on mutated heads: an answer or a refusal, never a throw, in bounded time", () => {
  const seed = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 2 ** 31);
  const random = seededRandom(seed);
  const base = bytes(APT_HEAD);
  const interesting = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x3a, 0x2f, 0x7f, 0x80, 0xff, 0x2d, 0x30];
  const started = performance.now();
  for (let round = 0; round < 20_000; round++) {
    const head = [...base.subarray(0, base.length - 4)];
    for (let edits = 1 + random.int(6); edits > 0; edits--) {
      const at = random.int(head.length);
      switch (random.int(4)) {
        case 0:
          head[at] = random.pick(interesting);
          break;
        case 1:
          head[at] = random.int(256);
          break;
        case 2:
          head.splice(at, 1 + random.int(8));
          break;
        case 3:
          head.splice(at, 0, ...head.slice(random.int(head.length), random.int(head.length)));
          break;
      }
    }
    const input = new Uint8Array([...head, 0x0d, 0x0a, 0x0d, 0x0a]);
    try {
      const result = parseRequestHead(input);
      if (isHeadError(result)) assert([400, 431, 505].includes(result.status));
      else assert(result.method.length > 0 && result.target.length > 0);
    } catch (error) {
      throw new Error(`seed ${seed}, round ${round}: ${error}`);
    }
  }
  assert(performance.now() - started < 20_000, `seed ${seed}: too slow`);
});
