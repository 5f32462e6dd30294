/**
 * What /stats.json tells an administrator: which mirror fails and why, as a
 * problem with what to do, next to the one that works; the problems read
 * off the figures (a nearly full disk, a DHT with nodes to join through that
 * has not joined) as a table.
 */

import assert from "node:assert/strict";
import { startTestDaemon } from "../helpers/daemon.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { bytes, writeFile } from "../helpers/archive.ts";
import { figureProblems, type Figures } from "../../src/server/status/problems.ts";

/** A port nothing listens on (bound, then closed). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test({
  name: "stats.json names each mirror's requests, bytes and failures; a failing one is a problem",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir();
    await writeFile(root, "debian/pool/main/g/good/good_1_all.deb", bytes(30_000, 5));
    const good = await MirrorServer.start(root);
    const broken = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response("down for maintenance", { status: 503 }),
    );
    const dead = closedPort();
    try {
      await using daemon = await startTestDaemon({});
      const get = async (authority: string, path: string) => {
        const response = await fetch(`${daemon.base}/${authority}/debian/${path}`);
        await response.arrayBuffer();
        return response.status;
      };
      assert.equal(await get(good.authority, "pool/main/g/good/good_1_all.deb"), 200);
      assert.equal(await get(good.authority, "pool/main/m/missing/missing_1_all.deb"), 404);
      assert.equal(await get(`127.0.0.1:${broken.addr.port}`, "pool/x_1_all.deb"), 503);
      assert.equal(await get(`127.0.0.1:${dead}`, "pool/y_1_all.deb"), 502);
      await daemon.pipeline.idle();
      const stats = await (await fetch(`${daemon.base}/stats.json`)).json();
      const byHost = new Map(
        stats.mirrors.map((m: { host: string }) => [m.host, m] as const),
      ) as Map<string, Record<string, unknown>>;

      const ok = byHost.get(good.authority)!;
      assert.equal(ok.scheme, "http");
      assert.equal(ok.requests, 2, "the file and the 404");
      // The file's body and the 404's short body.
      assert.ok(Number(ok.bytes) >= 30_000 && Number(ok.bytes) < 31_000, `${ok.bytes}`);
      assert.deepEqual(
        [ok.errors, ok.last_error, ok.failing],
        [0, null, false],
        "a 404 is an answer",
      );
      assert.ok(Date.now() - Date.parse(String(ok.last_success_at)) < 60_000);

      const failing = byHost.get(`127.0.0.1:${broken.addr.port}`)!;
      assert.ok(Number(failing.errors) >= 1 && failing.failing === true, JSON.stringify(failing));
      assert.match(String(failing.last_error), /answered 503/);
      assert.equal(failing.last_success_at, null);

      const unreachable = byHost.get(`127.0.0.1:${dead}`)!;
      assert.ok(Number(unreachable.errors) >= 1, JSON.stringify(unreachable));
      assert.match(String(unreachable.last_error), /connect/);

      const problems = stats.problems.map((p: { what: string }) => p.what);
      assert.ok(problems.includes(`Mirror 127.0.0.1:${broken.addr.port} failing`), problems);
      assert.ok(problems.includes(`Mirror 127.0.0.1:${dead} failing`), problems);
      assert.ok(!problems.includes(`Mirror ${good.authority} failing`), problems);
      for (const p of stats.problems) assert.ok(p.action.length > 20, `what to do: ${p.action}`);

      // The same in /metrics, by mirror, for alerting.
      const metrics = await (await fetch(`${daemon.base}/metrics`)).text();
      assert.match(
        metrics,
        new RegExp(`^aptdht_mirror_failing\\{mirror="http://127\\.0\\.0\\.1:${dead}"\\} 1$`, "m"),
      );
      assert.match(
        metrics,
        new RegExp(`^aptdht_mirror_errors_total\\{mirror="http://${good.authority}"\\} 0$`, "m"),
      );
      assert.match(metrics, /^aptdht_disk_free_bytes \d+$/m);

      // The disk: the cache's size, the file system's free space, no eviction run yet or one.
      assert.equal(stats.disk.cache_bytes, 30_000);
      assert.ok(stats.disk.free_bytes > 0 && stats.disk.total_bytes >= stats.disk.free_bytes);
      assert.equal(stats.disk.max_bytes, 0);
    } finally {
      await good.stop();
      await broken.shutdown();
      await Deno.remove(root, { recursive: true });
    }
  },
});

const base: Figures = {
  now: Date.UTC(2026, 11, 6, 12),
  startedAt: Date.UTC(2026, 11, 6, 11),
  mirrors: [],
  disk: null,
  dht: null,
  raised: [],
};
const disk = (free: number, total: number) => ({
  directory: "/var/cache/apt-dht",
  cache_bytes: 0,
  cache_files: 0,
  max_bytes: 0,
  free_bytes: free,
  total_bytes: total,
  last_eviction: null,
});
const GiB = 1024 ** 3;

Deno.test("problems read off the figures, each with what to do", async (t) => {
  const cases: [string, Partial<Figures>, string[]][] = [
    ["nothing wrong", {}, []],
    ["a disk with 500 MB free of 100 GiB", { disk: disk(500e6, 100 * GiB) }, ["Disk nearly full"]],
    ["a disk with 1.9 GiB free of 100 GiB", { disk: disk(1.9 * GiB, 100 * GiB) }, []],
    ["a 1 MiB disk with 40 kB free (under 5 %)", { disk: disk(40_000, 1024 ** 2) }, [
      "Disk nearly full",
    ]],
    ["a 1 MiB disk with 900 kB free", { disk: disk(900_000, 1024 ** 2) }, []],
    ["a disk with 10 GiB free of 100 GiB", { disk: disk(10 * GiB, 100 * GiB) }, []],
    ["nearly full and already full: only full", {
      disk: disk(0, 100 * GiB),
      raised: [{ what: "Disk full", detail: "", action: "", since: 0 }],
    }, []],
    ["a DHT with bootstrap nodes, not joined after an hour", {
      dht: { state: "not_joined", bootstrap: 2, port: 9977 },
    }, ["DHT not joined"]],
    ["the same in its first seconds: still joining", {
      startedAt: base.now - 10_000,
      dht: { state: "not_joined", bootstrap: 2, port: 9977 },
    }, []],
    ["a DHT waiting to be joined (no bootstrap): as configured", {
      dht: { state: "waiting", bootstrap: 0, port: 9977 },
    }, []],
    ["a mirror whose last answer failed 10 minutes ago", {
      mirrors: [mirror(base.now - 600_000, 0)],
    }, ["Mirror deb.example failing"]],
    ["a mirror that failed 2 hours ago", { mirrors: [mirror(base.now - 7_200_000, 0)] }, []],
    ["a mirror that failed, then answered", {
      mirrors: [{ ...mirror(base.now - 600_000, base.now - 60_000), failing: false }],
    }, []],
  ];
  for (const [name, figures, expected] of cases) {
    await t.step(name, () => {
      const problems = figureProblems({ ...base, ...figures });
      assert.deepEqual(problems.map((p) => p.what), expected);
      for (const p of problems) {
        assert.ok(p.detail.length > 20 && p.action.length > 20, JSON.stringify(p));
      }
    });
  }
});

function mirror(lastErrorAt: number, lastSuccessAt: number): Figures["mirrors"][number] {
  return {
    host: "deb.example",
    scheme: "http" as const,
    requests: 3,
    bytes: 0,
    errors: 3,
    last_error: "http://deb.example/x: connect: refused",
    last_error_at: new Date(lastErrorAt).toISOString(),
    last_success_at: lastSuccessAt ? new Date(lastSuccessAt).toISOString() : null,
    failing: lastErrorAt > lastSuccessAt,
  };
}
