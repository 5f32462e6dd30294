/**
 * Headless Chromium for the status page tests: one-shot runs (`--dump-dom`,
 * `--screenshot`) and a page driven over the DevTools protocol, to measure
 * the laid-out page at a given width. Everything that would reach beyond
 * the machine is switched off.
 */

import assert from "node:assert/strict";

export const CHROMIUM = "/usr/bin/chromium";

const QUIET = [
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
];

/** Fails with what to install when Chromium is missing. */
export async function assertChromium(): Promise<void> {
  assert.ok(
    await Deno.stat(CHROMIUM).then(() => true, () => false),
    `${CHROMIUM} is missing: apt-get install chromium (bash .ci/run does)`,
  );
}

/** Runs Chromium once with `args`; its stdout. */
export async function chromium(args: string[]): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "apt-dht-chromium-" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(CHROMIUM, {
      args: [...QUIET, `--user-data-dir=${profile}`, ...args],
      env: { HOME: profile },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    return new TextDecoder().decode(stdout);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/** A page in a running Chromium, driven over the DevTools protocol. */
export interface BrowserPage {
  /** Loads `url` at `width` × `height` CSS pixels and waits for its load event. */
  open(url: string, width: number, height: number): Promise<void>;
  /** The value of `expression` (JSON-able) evaluated in the page. */
  evaluate<T>(expression: string): Promise<T>;
  /**
   * A PNG of the viewport, or of the whole page when `full`, or of the band
   * `full` names (empty when it starts below the page).
   */
  screenshot(full?: boolean | { y: number; height: number }): Promise<Uint8Array>;
}

/** Starts Chromium with a DevTools port, gives `use` one page, and closes it all. */
export async function withBrowserPage<T>(use: (page: BrowserPage) => Promise<T>): Promise<T> {
  const profile = await Deno.makeTempDir({ prefix: "apt-dht-chromium-" });
  const child = new Deno.Command(CHROMIUM, {
    args: [...QUIET, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
    env: { HOME: profile },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let socket: WebSocket | undefined;
  try {
    let seen = "";
    let match: RegExpMatchArray | null = null;
    const deadline = Date.now() + 30_000;
    while (!(match = seen.match(/DevTools listening on (ws:\/\/\S+)/))) {
      assert.ok(Date.now() < deadline, `no DevTools address from Chromium: ${seen}`);
      const { value, done } = await reader.read();
      assert.ok(!done, `Chromium exited: ${seen}`);
      seen += value;
    }
    (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {}); // keep draining its log
    socket = new WebSocket(match[1]);
    const cdp = await connect(socket);
    const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const send = <R>(method: string, params = {}) => cdp.send<R>(method, params, sessionId);
    await send("Page.enable");
    const page: BrowserPage = {
      async open(url, width, height) {
        await send("Emulation.setDeviceMetricsOverride", {
          width,
          height,
          deviceScaleFactor: 1,
          mobile: width < 600,
        });
        const loaded = cdp.next("Page.loadEventFired", sessionId);
        await send("Page.navigate", { url });
        await loaded;
      },
      async evaluate<R>(expression: string) {
        const { result, exceptionDetails } = await send<{
          result: { value: R };
          exceptionDetails?: unknown;
        }>("Runtime.evaluate", { expression, returnByValue: true });
        assert.equal(exceptionDetails, undefined, JSON.stringify(exceptionDetails));
        return result.value;
      },
      async screenshot(full = false) {
        const page = full
          ? (await send<{ cssContentSize: { width: number; height: number } }>(
            "Page.getLayoutMetrics",
          )).cssContentSize
          : undefined;
        const size = page && typeof full === "object"
          ? { ...page, y: full.y, height: Math.min(full.height, page.height - full.y) }
          : page && { ...page, y: 0 };
        if (size && size.height <= 0) return new Uint8Array(); // the band is below the page
        const { data } = await send<{ data: string }>("Page.captureScreenshot", {
          format: "png",
          ...(size
            ? {
              captureBeyondViewport: true,
              clip: { x: 0, y: size.y, width: size.width, height: size.height, scale: 1 },
            }
            : {}),
        });
        return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      },
    };
    return await use(page);
  } finally {
    socket?.close();
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await reader.cancel().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** A DevTools protocol connection: commands by id, events waited for by name. */
async function connect(socket: WebSocket) {
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error("DevTools socket failed"));
  });
  let nextId = 1;
  const pending = new Map<
    number,
    {
      resolve: (v: unknown) => void;
      reject: (e: Error) => void;
      timer: ReturnType<typeof setTimeout>;
    }
  >();
  const waiters: { method: string; sessionId?: string; resolve: () => void }[] = [];
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id !== undefined) {
      const call = pending.get(message.id);
      pending.delete(message.id);
      clearTimeout(call?.timer);
      if (message.error) call?.reject(new Error(JSON.stringify(message.error)));
      else call?.resolve(message.result);
      return;
    }
    const i = waiters.findIndex((w) =>
      w.method === message.method && w.sessionId === message.sessionId
    );
    if (i >= 0) waiters.splice(i, 1)[0].resolve();
  };
  return {
    send<R>(method: string, params: unknown = {}, sessionId?: string): Promise<R> {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params, sessionId }));
      return new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method}: no answer in 30 s`)), 30_000);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      });
    },
    next(method: string, sessionId?: string): Promise<void> {
      return new Promise((resolve) => waiters.push({ method, sessionId, resolve }));
    },
  };
}
