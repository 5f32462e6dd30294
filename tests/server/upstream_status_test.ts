/**
 * A mirror answering with statuses that are not a file (204, 205, a 3xx
 * without Location, one HTTP does not define): apt gets a clear 502, never
 * a 500 from a response the daemon could not build.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";

/** A raw TCP "mirror" that answers every request with `statusLine` and no body. */
function rawMirror(statusLine: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      (async () => {
        const buffer = new Uint8Array(16 * 1024);
        await conn.read(buffer).catch(() => null);
        await conn.write(
          new TextEncoder().encode(
            `${statusLine}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
          ),
        ).catch(() => {});
        conn.close();
      })();
    }
  })().catch(() => {});
  return {
    authority: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      await served;
    },
  };
}

Deno.test({
  name: "an upstream 204, 205, bare 302 or unknown status reaches apt as a 502 that names it",
  sanitizeResources: false,
  async fn() {
    await using daemon = await startTestDaemon();
    for (
      const [line, expect] of [
        ["HTTP/1.1 204 No Content", 502],
        ["HTTP/1.1 205 Reset Content", 502],
        ["HTTP/1.1 302 Found", 502],
        ["HTTP/1.1 999 Weird", 502],
        ["HTTP/1.1 404 Not Found", 404],
        ["HTTP/1.1 503 Busy", 503],
      ] as const
    ) {
      await using mirror = rawMirror(line);
      for (const method of ["GET", "HEAD"]) {
        const response = await fetch(
          `${daemon.base}/${mirror.authority}/debian/pool/main/x/x/x_1_all.deb`,
          { method },
        );
        const text = await response.text();
        const status = line.split(" ")[1];
        // A HEAD passes on what the mirror said, when it is a status a response can carry.
        const wanted = method === "HEAD" && Number(status) <= 599 ? Number(status) : expect;
        assert.equal(response.status, wanted, `${method} ${line}: ${text}`);
        if (method === "GET") assert.match(text, new RegExp(`upstream answered ${status}`));
      }
    }
    assert.ok(
      !daemon.logLines.some((l) => /null body status/.test(l)),
      daemon.logLines.filter((l) => /null body/.test(l)).join("\n"),
    );
  },
});
