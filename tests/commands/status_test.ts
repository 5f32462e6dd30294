/** `apt-dht status` and `apt-dht apt-sources` as real processes. */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { formatBytes, formatDuration } from "../../src/commands/status.ts";
import { VERSION } from "../../src/version.ts";
import { runCli as apt_dht } from "../helpers/daemon_process.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, writeFile } from "../helpers/archive.ts";

Deno.test("status summarises a running daemon from its /stats.json; no daemon is exit 1", async () => {
  await using daemon = await startTestDaemon();
  await (await fetch(`${daemon.base}/nothing.example/x`)).body?.cancel(); // one refused request
  const result = await apt_dht(["status", "--port", String(daemon.port)]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    new RegExp(`^apt-dht ${VERSION} at http://127.0.0.1:${daemon.port}, up \\d+s`),
  );
  assert.match(
    result.stdout,
    /^this run: from peers 0 B, from mirrors 0 B, from the cache 0 B; uploaded 0 B$/m,
  );
  assert.match(result.stdout, /^DHT: node [0-9a-f]{12}…, \d+ nodes in the routing table/m);
  assert.match(result.stdout, /^archives: 0, 0 not trusted$/m);
  assert.match(
    result.stdout,
    /^on the wire this run: mirrors 0 B in \/ 0 B out, peers 0 B in \/ 0 B out$/m,
  );
  assert.match(result.stdout, /^cache: 0 files, 0 B$/m);
  assert.match(result.stdout, /^LAN discovery: off \(dht\.lan_discovery\)$/m);
  assert.match(result.stdout, /^mDNS advertising: off \(server\.advertise\)$/m);
  assert.match(result.stdout, /^hit ratio: – of requests and – of bytes from the cache this run/m);
  assert.match(result.stdout, /^disk: [\d.]+ \w+ free of [\d.]+ \w+; cache limit none$/m);

  const closed = await apt_dht(["status", "--port", "1"]);
  assert.equal(closed.code, 1);
  assert.match(closed.stderr, /no daemon answered at 127.0.0.1:1/);
});

Deno.test("status answers the admin: hit ratio, clients, mirrors and what to do about a failing one", async () => {
  const root = await Deno.makeTempDir();
  await writeFile(root, "debian/pool/main/h/hit/hit_1_all.deb", bytes(10_000, 7));
  const mirror = await MirrorServer.start(root);
  try {
    await using daemon = await startTestDaemon();
    const file = `${daemon.base}/${mirror.authority}/debian/pool/main/h/hit/hit_1_all.deb`;
    for (let i = 0; i < 2; i++) {
      await (await fetch(file)).arrayBuffer();
      await daemon.pipeline.idle();
    }
    await (await fetch(`${daemon.base}/127.0.0.1:1/debian/pool/x_1_all.deb`)).arrayBuffer();
    const result = await apt_dht(["status", "--port", String(daemon.port)]);
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(
      out,
      /^hit ratio: 50\.0 % of requests and 50\.0 % of bytes from the cache this run/m,
    );
    assert.match(
      out,
      /^last 7 days: 9\.8 KiB not from mirrors \(50\.0 %\), 9\.8 KiB from mirrors$/m,
    );
    assert.match(out, /^clients this run: 1: 127\.0\.0\.1 \(3 requests, 1 from the cache\)$/m);
    assert.match(out, new RegExp(`^mirror http://${mirror.authority}: 1 requests, 0 failed$`, "m"));
    assert.match(out, /^mirror http:\/\/127\.0\.0\.1:1: 1 requests, 1 failed \(failing now\)$/m);
    assert.match(out, /^PROBLEM: Mirror 127\.0\.0\.1:1 failing: .* What to do: Check that/m);
  } finally {
    await mirror.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("apt-sources reads an apt directory and prints both formats and proxy mode", async () => {
  const etc = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${etc}/sources.list`,
      "deb http://deb.debian.org/debian bookworm main\n",
    );
    const result = await apt_dht(["apt-sources", "--apt-dir", etc, "--host", "proxy.lan"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^deb http:\/\/proxy.lan:9977\/deb.debian.org\/debian bookworm main$/m,
    );
    assert.match(result.stdout, /^URIs: http:\/\/proxy.lan:9977\/deb.debian.org\/debian$/m);
    assert.match(result.stdout, /Acquire::http::Proxy "http:\/\/proxy.lan:9977";/);
  } finally {
    await Deno.remove(etc, { recursive: true });
  }
});

Deno.test("byte and duration formats", () => {
  assert.equal(formatBytes(312), "312 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(3 * 2 ** 30), "3.0 GiB");
  assert.equal(formatDuration(40), "40s");
  assert.equal(formatDuration(3725), "1h 2m");
  assert.equal(formatDuration(2 * 86400 + 3600), "2d 1h");
});
