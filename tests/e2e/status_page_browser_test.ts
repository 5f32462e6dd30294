/**
 * The status page in a real browser: headless Chromium loads it from a
 * daemon that has served apt from a peer, a mirror and its cache (and met a
 * mirror that does not answer), every figure the rendered page shows is
 * checked against `/stats.json`, and at a desktop's and a phone's width
 * nothing sticks out of the page or its cards and labels stay short.
 */

import assert from "node:assert/strict";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { startAptWorld } from "../helpers/apt_world.ts";
import { announced } from "../helpers/peer_world.ts";
import {
  assertChromium,
  type BrowserPage,
  chromium,
  withBrowserPage,
} from "../helpers/chromium.ts";

/** `a.b.0.c` of a JSON document. */
function at(document: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>(
    (value, key) => (value as Record<string, unknown> | undefined)?.[key],
    document,
  );
}

/**
 * Loads `url` at `width` and lists what sticks out: the page scrolling
 * sideways, any element past the viewport or its card; and how many lines
 * each label of a label-and-value table takes.
 */
async function layout(page: BrowserPage, url: string, width: number, height: number) {
  await page.open(url, width, height);
  return await page.evaluate<{ faults: string[]; lines: [string, number][] }>(`(() => {
    const vw = document.documentElement.clientWidth;
    const faults = [];
    const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") +
      " '" + (el.textContent || "").trim().slice(0, 40) + "'";
    if (document.documentElement.scrollWidth > vw) {
      faults.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw);
      for (const el of document.body.querySelectorAll("*")) {
        if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== "inline") {
          faults.push(name(el) + " is wider inside: " + el.scrollWidth + " > " + el.clientWidth);
        }
      }
    }
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("svg") && el.tagName !== "svg") continue; // drawn inside the svg's box
      const r = el.getBoundingClientRect();
      if (!r.width) continue;
      if (r.right > vw + 0.5 || r.left < -0.5) faults.push(name(el) + " past the page: " + r.left + ".." + r.right);
      const card = el.closest("section");
      if (card && card !== el) {
        const box = card.getBoundingClientRect();
        if (r.right > box.right + 0.5 || r.left < box.left - 0.5) {
          faults.push(name(el) + " out of its card: " + r.right + " > " + box.right);
        }
      }
    }
    const lines = [...document.querySelectorAll("table.pairs th")].map((th) => {
      const cs = getComputedStyle(th);
      const inner = th.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
      return [th.textContent, Math.round(inner / parseFloat(cs.lineHeight))];
    });
    return { faults: faults.slice(0, 20), lines };
  })()`);
}

Deno.test({
  name: "the status page renders in headless Chromium and its figures match /stats.json",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await assertChromium();
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
      // b's indexes again, from its cache once the mirror says unchanged (hits), and once to a
      // mirror that is not there (a problem).
      await roots[1].update();
      const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const deadPort = (dead.addr as Deno.NetAddr).port;
      dead.close();
      await (await fetch(`${b.base}/127.0.0.1:${deadPort}/debian/pool/x_1_all.deb`)).arrayBuffer();
      const before = await (await fetch(`${b.base}/stats.json`)).json();
      const dom = await chromium(["--dump-dom", `${b.base}/`]);
      const after = await (await fetch(`${b.base}/stats.json`)).json();
      assert.ok(before.bytes.peer > 0 && before.bytes.mirror > 0, JSON.stringify(before.bytes));
      // The admin's questions, after apt ran twice through b (its indexes the second time from
      // its cache): a hit ratio, the client, the mirror that works and the one that does not.
      assert.ok(before.hit_ratio.requests.session > 0, JSON.stringify(before.hit_ratio));
      assert.deepEqual(before.clients.map((c: { address: string }) => c.address), ["127.0.0.1"]);
      const mirrors = new Map(before.mirrors.map((m: { host: string }) => [m.host, m]));
      assert.equal((mirrors.get(world.mirror.authority) as { errors: number })?.errors, 0);
      assert.equal((mirrors.get(`127.0.0.1:${deadPort}`) as { failing: boolean })?.failing, true);

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
          "hit_ratio.requests.session",
          "hit_ratio.bytes.all_time",
          "saved.last_7_days.not_from_mirrors",
          "clients.0.requests",
          "clients.0.hits",
          "mirrors.0.errors",
          "disk.free_bytes",
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
        if (path === "disk.free_bytes") {
          // Other writers on the machine (the browser's own profile) move it while it loads.
          assert.ok(
            Math.abs(value - Number(low)) < Number(low) / 100,
            `${path}: ${value} ~ ${low}`,
          );
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
      assert.match(dom, new RegExp(`Mirror 127\\.0\\.0\\.1:${deadPort} failing`));
      assert.match(dom, /What to do:/);
      assert.match(dom, /<svg viewBox="0 0 240 100"/, "the 24 hours drawn");
      assert.match(dom, /<svg viewBox="0 0 300 100"/, "the 30 days drawn");
      for (
        const heading of [
          "Hit ratio",
          "History",
          "Traffic",
          "Cache",
          "DHT",
          "Clients",
          "Mirrors",
          "Peers",
          "Archives",
        ]
      ) {
        assert.match(dom, new RegExp(`<h2>${heading}</h2>`));
      }

      // Laid out at a desktop's width and a phone's: nothing past the page or out of its card,
      // and at the desktop's a label takes at most two lines.
      await withBrowserPage(async (page) => {
        for (const [width, height, maxLines] of [[1280, 900, 2], [390, 844, 4]]) {
          const { faults, lines } = await layout(page, `${b.base}/`, width, height);
          assert.deepEqual(faults, [], `at ${width} px`);
          assert.ok(lines.length >= 20, `${lines.length} labels measured`);
          const long = lines.filter(([, n]) => n > maxLines);
          assert.deepEqual(long, [], `labels over ${maxLines} lines at ${width} px`);
          await Deno.writeFile(`${a.dir}/status-${width}.png`, await page.screenshot());
          // STATUS_SHOTS=<dir> keeps a picture of the whole page at each width, to look at.
          const shots = Deno.env.get("STATUS_SHOTS");
          if (shots) {
            await Deno.writeFile(`${shots}/status-${width}.png`, await page.screenshot(true));
            for (let i = 0; i < 10; i++) {
              const band = await page.screenshot({ y: i * 1200, height: 1200 });
              if (!band.length) break;
              await Deno.writeFile(`${shots}/status-${width}-${i}.png`, band);
            }
          }
        }
      });

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
