import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { writeFile } from "../helpers/archive.ts";
import { rawRequest } from "../helpers/raw_http.ts";

Deno.test("clients outside the allowed set get 403 and cause no upstream request", async () => {
  const root = await Deno.makeTempDir();
  await writeFile(root, "debian/pool/x.deb", "x");
  const mirror = await MirrorServer.start(root);
  await using daemon = await startTestDaemon({
    server: { allowed_clients: ["10.0.0.0/8", "fd00::/8"] },
  });
  try {
    const rewrite = await fetch(`${daemon.base}/${mirror.authority}/debian/pool/x.deb`);
    assert.equal(rewrite.status, 403);
    await rewrite.body?.cancel();
    const proxy = await rawRequest(daemon.port, `GET ${mirror.base}/debian/pool/x.deb HTTP/1.1`, {
      host: mirror.authority,
    });
    assert.equal(proxy.status, 403);
    assert.equal(mirror.log.length, 0);
  } finally {
    await mirror.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("traversal attempts get 400 on the wire, before any upstream request", async () => {
  await using daemon = await startTestDaemon();
  for (
    const path of [
      "/127.0.0.1:1/a/../../etc/passwd",
      "/127.0.0.1:1/%2e%2e/etc/passwd",
      "/127.0.0.1:1/a%2f..%2fb",
    ]
  ) {
    const response = await rawRequest(daemon.port, `GET ${path} HTTP/1.1`, {
      host: `127.0.0.1:${daemon.port}`,
    });
    assert.equal(response.status, 400, path);
  }
  assert.equal(daemon.pipeline.activeDownloads, 0);
});

Deno.test("a request that loops back to the daemon is stopped", async () => {
  await using daemon = await startTestDaemon();
  const self = `127.0.0.1:${daemon.port}`;
  const response = await fetch(`${daemon.base}/${self}/${self}/debian/pool/x.deb`);
  assert.equal(response.status, 508);
  await response.body?.cancel();
});

Deno.test("the status pages are for allowed clients only, unless server.status_public opens them", async () => {
  for (const statusPublic of [false, true]) {
    await using daemon = await startTestDaemon({
      server: { allowed_clients: ["10.0.0.0/8"], status_public: statusPublic },
    });
    for (const path of ["/", "/stats.json", "/metrics"]) {
      const response = await fetch(`${daemon.base}${path}`);
      await response.body?.cancel();
      assert.equal(response.status, statusPublic ? 200 : 403, `${path}, public: ${statusPublic}`);
    }
  }
});
