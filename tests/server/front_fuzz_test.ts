/**
 * A bounded fuzz of the HTTP front: random request lines, methods, paths
 * (traversal, encodings, control bytes), headers and ranges, on raw TCP.
 * Every answer is a well-formed status the daemon means (never a 500),
 * none hangs, and the daemon serves normally afterwards. Every target is on
 * loopback: no request may make the daemon look up or fetch another host.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, writeFile } from "../helpers/archive.ts";
import { seededRandom } from "../helpers/seeded_random.ts";

const REQUESTS = 1500;
const CONCURRENCY = 8;
const POOL = "debian/pool/main/f/fuzz/fuzz_1_all.deb";

/** Sends `head` on a fresh connection; the status line's code, "closed", or "hung". */
async function send(port: number, head: Uint8Array): Promise<number | "closed" | "hung"> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 5000);
  let text = "";
  try {
    await conn.write(head).catch(() => {});
    const buffer = new Uint8Array(4096);
    while (!text.includes("\r\n")) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  if (text === "") return "closed";
  const match = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
  if (!match) throw new Error(`not an HTTP status line: ${JSON.stringify(text.slice(0, 80))}`);
  return Number(match[1]);
}

Deno.test({
  name: "a bounded fuzz of the HTTP front: well-formed answers only, never a 500, nothing hangs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir();
    await writeFile(root, POOL, bytes(100_000, 3));
    const mirror = await MirrorServer.start(root);
    await using daemon = await startTestDaemon({
      upstream: { response_timeout: 2, idle_timeout: 2 },
    });
    const seed = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 1_000_000);
    const r = seededRandom(seed);
    const ours = `127.0.0.1:${daemon.port}`;
    const segment = () =>
      r.pick([
        "debian",
        "pool",
        "..",
        "%2e%2e",
        ".",
        "%2f",
        "a%5cb",
        "%00",
        "%zz",
        "~",
        "x".repeat(r.int(3000)),
        "%E2%82%AC",
        "\u00e9",
        "a b",
        "Packages.xz",
        "by-hash",
        "SHA256",
        "f".repeat(64),
      ]);
    const path = () => {
      const kind = r.int(8);
      if (kind === 0) return r.pick(["/", "/stats.json", "/metrics", "/stats.json/x", "//"]);
      if (kind === 1) {
        const hex = "0123456789abcdefABCDEF"; // peers' names, of every length
        return `/~/${Array.from({ length: r.int(70) }, () => r.pick([...hex])).join("")}`;
      }
      if (kind === 2) return `/~/signed/${"a".repeat(r.int(50))}`;
      if (kind === 3 || kind >= 6) {
        return `/${POOL.replace("debian", `${mirror.authority}/debian`)}`;
      }
      const site = r.pick([mirror.authority, "127.0.0.1:1", "[::1]:1", "%zz", "..", "", "a%2fb"]);
      return `/${site}/${Array.from({ length: r.int(6) }, segment).join("/")}`;
    };
    const target = () => {
      const p = path();
      return r.int(5) === 0
        ? r.pick([`http://${mirror.authority}`, `http://${ours}`, "http://127.0.0.1:1"]) + p
        : p;
    };
    const range = () =>
      r.pick([
        `bytes=${r.int(200_000)}-${r.int(200_000)}`,
        `bytes=-${r.int(200_000)}`,
        `bytes=${r.int(200_000)}-`,
        "bytes=0-0,5-9",
        "bytes=--1",
        "bytes=",
        "items=0-5",
        `bytes=${"9".repeat(40)}-`,
        "bytes = 1 - 2",
      ]);
    const request = () => {
      const method = r.pick([
        "GET",
        "GET",
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "OPTIONS",
        "BREW",
        "CONNECT",
        "G\tET",
      ]);
      const version = r.pick(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/9.9", ""]);
      const headers = [`Host: ${r.pick([ours, ours, mirror.authority, "127.0.0.1"])}`];
      if (r.int(2)) headers.push(`Range: ${range()}`);
      if (r.int(4) === 0) headers.push(`If-Range: ${r.pick(['"x"', 'W/"x"', "yesterday", ""])}`);
      if (r.int(4) === 0) headers.push(`If-None-Match: ${r.pick(["*", '"a", "b"', ""])}`);
      if (r.int(6) === 0) {
        headers.push(`If-Modified-Since: ${r.pick(["Mon, 01 Jan 2024 00:00:00 GMT", "junk"])}`);
      }
      if (r.int(8) === 0) headers.push(`X-Long: ${"y".repeat(r.int(20_000))}`);
      if (r.int(10) === 0) headers.push(`Via: 1.1 ${r.pick(["apt-dht-x", "proxy"])}`);
      if (r.int(10) === 0) headers.push("Transfer-Encoding: chunked");
      headers.push("Connection: close");
      // CONNECT's own form, to loopback only (refused: no mirror is configured, and no
      // outside name is ever looked up), or any of the others (a 400).
      const connectTarget = () =>
        r.pick([mirror.authority, "127.0.0.1:443", "[::1]:443", "localhost:443", "x:22", "x"]);
      const line = `${method} ${
        method === "CONNECT" && r.int(2) ? connectTarget() : target()
      } ${version}`
        .trimEnd();
      const text = `${line}\r\n${headers.join("\r\n")}\r\n\r\n`;
      const raw = new TextEncoder().encode(text);
      if (r.int(20) === 0) raw[r.int(raw.length)] = r.int(256); // one byte anything
      return raw;
    };

    const counts = new Map<number | string, number>();
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        next++;
        const head = request();
        const status = await send(daemon.port, head);
        counts.set(status, (counts.get(status) ?? 0) + 1);
        assert.notEqual(
          status,
          500,
          `seed ${seed}: ${new TextDecoder().decode(head).slice(0, 300)}`,
        );
        assert.notEqual(
          status,
          "hung",
          `seed ${seed}: ${new TextDecoder().decode(head).slice(0, 300)}`,
        );
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      console.log(`front fuzz, seed ${seed}: ${JSON.stringify(Object.fromEntries(counts))}`);
      for (const status of counts.keys()) {
        if (typeof status === "number") assert.ok(status >= 200 && status <= 599, String(status));
      }
      const stats = await fetch(`${daemon.base}/stats.json`);
      assert.equal(stats.status, 200);
      await stats.body?.cancel();
      const file = await fetch(`${daemon.base}/${mirror.authority}/${POOL}`);
      assert.equal((await file.arrayBuffer()).byteLength, 100_000);
      const errors = daemon.logLines.filter((l) => /handler_error|pipeline_error|Uncaught/.test(l));
      assert.deepEqual(errors, [], `seed ${seed}`);
    } finally {
      await mirror.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
