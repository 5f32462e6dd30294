/**
 * The status page in a real browser: headless Chromium loads it from a
 * daemon that has served apt from a peer and a mirror, and every figure the
 * rendered page shows is checked against `/stats.json`.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { startAptWorld } from "../helpers/apt_world.ts";
import { announced } from "../helpers/peer_world.ts";

const CHROMIUM = "/usr/bin/chromium";

/** Chromium with everything that would reach beyond the machine switched off. */
async function chromium(args: string[]): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "apt-dht-chromium-" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-domain-reliability",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-breakpad",
        "--no-first-run",
        "--no-pings",
        "--dns-prefetch-disable",
        `--user-data-dir=${profile}`,
        ...args,
      ],
      env: { HOME: profile },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    return out;
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/** `a.b.0.c` of a JSON document. */
function at(document: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>(
    (value, key) => (value as Record<string, unknown> | undefined)?.[key],
    document,
  );
}

Deno.test({
  name: "the status page renders in headless Chromium and its figures match /stats.json",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.ok(
      await Deno.stat(CHROMIUM).then(() => true, () => false),
      `${CHROMIUM} is missing: apt-get install chromium (bash .ci/run does)`,
    );
    const repo = await buildDebianRepo([{ name: "india", payloadBytes: 40_000 }]);
    await using world = await startAptWorld(repo, 2);
    const [a, b] = world.daemons;
    const roots = [await createAptRoot(world.line(a)), await createAptRoot(world.line(b))];
    try {
      for (const [i, daemon] of [a, b].entries()) {
        await roots[i].update();
        const download = await roots[i].aptGet(["download", "india"]);
        assert.equal(download.code, 0, download.output);
        await daemon.pipeline.idle();
        if (i === 0) await announced(a, a.announcer!.size);
      }
      const before = await (await fetch(`${b.base}/stats.json`)).json();
      const dom = await chromium(["--dump-dom", `${b.base}/`]);
      const after = await (await fetch(`${b.base}/stats.json`)).json();
      assert.ok(before.bytes.peer > 0 && before.bytes.mirror > 0, JSON.stringify(before.bytes));

      const figures = [...dom.matchAll(/data-stat="([^"]+)" data-value="([^"]*)"/g)];
      assert.ok(figures.length >= 25, `${figures.length} figures on the page`);
      const shown = new Set(figures.map(([, path]) => path));
      for (
        const path of [
          "bytes.peer",
          "bytes.mirror",
          "all_time.bytes.peer",
          "uploaded",
          "saved.session.peer_share",
          "cache.files",
          "cache.bytes",
          "dht.nodes",
          "dht.estimatedNodes",
          "dht.storedPeers",
          "dht.reachable",
          "peers.0.bytes_down",
          "peers.0.score",
          "uptime_seconds",
        ]
      ) assert.ok(shown.has(path), `the page shows ${path}`);
      for (const [, path, text] of figures) {
        // A source nothing came from yet is absent from the JSON and 0 on the page.
        const orZero = (value: unknown) => value === undefined && text !== "" ? 0 : value;
        const [low, high] = [orZero(at(before, path)), orZero(at(after, path))];
        if (typeof low === "boolean") {
          assert.equal(text, String(low), path);
          continue;
        }
        if (low === undefined || low === null) {
          assert.equal(text, "", `${path} is unknown on both`);
          continue;
        }
        // Figures may move while the page loads (uptime, DHT traffic): between the two reads.
        const value = Number(text);
        if (path === "connections.open") {
          // Counts the reader's own connections: the browser holds its own, not the test's.
          assert.ok(value >= 1, `${path}: the page's own connection at least`);
          continue;
        }
        const [min, max] = [
          Math.min(Number(low), Number(high)),
          Math.max(Number(low), Number(high)),
        ];
        assert.ok(value >= min && value <= max, `${path}: page ${value}, JSON ${low}..${high}`);
      }
      // What a person reads: the peer that served b, the archive's signature, and the headings.
      assert.match(dom, new RegExp(`127\\.0\\.0\\.1:${a.port}`));
      assert.match(dom, /signature good/);
      assert.match(dom, /joined: nodes answer/);
      for (const heading of ["Traffic", "Cache", "DHT", "Peers", "Archives"]) {
        assert.match(dom, new RegExp(`<h2>${heading}</h2>`));
      }

      // It draws: a screenshot of the page is a real image of the requested size.
      const shot = `${a.dir}/status.png`;
      await chromium([`--screenshot=${shot}`, "--window-size=1200,900", `${b.base}/`]);
      const png = await Deno.readFile(shot);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
      const view = new DataView(png.buffer, png.byteOffset);
      assert.deepEqual([view.getUint32(16), view.getUint32(20)], [1200, 900]);
      assert.ok(png.length > 20_000, `${png.length} bytes: the page is not blank`);
    } finally {
      for (const root of roots) await root.cleanup();
      await repo.cleanup();
    }
  },
});
