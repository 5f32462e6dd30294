import assert from "node:assert/strict";
import { MirrorClient, UpstreamError } from "../../src/fetch/mod.ts";
import { refusedRedirect, scopesOf } from "../../src/fetch/redirects.ts";
import { addressScope } from "../../src/net/mod.ts";

Deno.test("addressScope() knows loopback, link-local, private and public, IPv4, IPv6 and mapped", () => {
  const cases: [string, string | undefined][] = [
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["0.0.0.0", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["10.1.2.3", "private"],
    ["172.20.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fd00::1", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["203.0.113.7", "public"],
    ["2001:db8::1", "public"],
    ["deb.debian.org", undefined],
  ];
  for (const [address, scope] of cases) assert.equal(addressScope(address), scope, address);
});

Deno.test("refusedRedirect(): http(s) only, and never nearer than the mirror itself", () => {
  const publicMirror = new URL("http://203.0.113.7/debian/x");
  const pub = scopesOf("203.0.113.7", []);
  const go = (to: string, toAddresses: string[] = []) =>
    refusedRedirect(publicMirror, pub, new URL(to), scopesOf(new URL(to).hostname, toAddresses));
  assert.equal(go("http://198.51.100.1/debian/x"), undefined);
  assert.equal(go("https://mirror.example/debian/x", ["198.51.100.2"]), undefined);
  assert.equal(go("http://203.0.113.7:8080/elsewhere"), undefined, "the same server");
  assert.match(go("http://127.0.0.1:9977/stats.json")!, /loopback/);
  assert.match(go("http://[::1]/")!, /loopback/);
  assert.match(go("http://localhost/")!, /loopback/);
  assert.match(go("http://169.254.169.254/latest/meta-data/")!, /link-local/);
  assert.match(go("http://10.0.0.1/")!, /private/);
  assert.match(go("http://intranet.example/", ["192.168.0.10"])!, /private/);
  assert.match(go("http://rebind.example/", ["198.51.100.3", "127.0.0.1"])!, /loopback/);
  assert.match(go("http://unknown.example/")!, /cannot tell/);
  assert.match(go("ftp://198.51.100.1/x")!, /ftp/);
  assert.match(go("file:///etc/passwd")!, /file/);
  assert.match(go("http://user:pw@198.51.100.1/")!, /credentials/);
  // A mirror on the LAN may send to the LAN; one on loopback, to loopback.
  const lan = new URL("http://192.168.0.5/debian/");
  assert.equal(
    refusedRedirect(lan, ["private"], new URL("http://192.168.0.6/"), ["private"]),
    undefined,
  );
  assert.match(
    refusedRedirect(lan, ["private"], new URL("http://127.0.0.1/"), ["loopback"])!,
    /loopback/,
  );
  const local = new URL("http://127.0.0.1:3142/debian/");
  assert.equal(
    refusedRedirect(local, ["loopback"], new URL("http://127.0.0.2/"), ["loopback"]),
    undefined,
  );
  // Never down from TLS, even on the same host; up to it, always.
  const tls = new URL("https://203.0.113.7/debian/x");
  assert.match(refusedRedirect(tls, pub, new URL("http://203.0.113.7/x"), pub)!, /https to http/);
  assert.equal(refusedRedirect(tls, pub, new URL("https://198.51.100.1/x"), pub), undefined);
});

/** A server on `hostname` answering each path from `routes` (a status and Location), else 200 "<path>". */
function server(hostname: string, routes: Record<string, string> = {}) {
  const seen: string[] = [];
  const http = Deno.serve({ hostname, port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    seen.push(path);
    const location = routes[path];
    if (location) return new Response("moved\n", { status: 302, headers: { location } });
    return new Response(`here: ${path}`);
  });
  return { seen, http, base: `http://${hostname}:${http.addr.port}` };
}

const client = (maxRedirects?: number) =>
  new MirrorClient({
    responseTimeoutMs: 5000,
    idleTimeoutMs: 5000,
    userAgent: "test",
    via: "1.1 test",
    maxRedirects,
  });

Deno.test("the mirror client follows a mirror's redirects within loopback, up to 5 hops", async () => {
  const b = server("127.0.0.12");
  const routes: Record<string, string> = {};
  for (let i = 0; i < 7; i++) routes[`/hop${i}`] = i === 6 ? `${b.base}/end` : `/hop${i + 1}`;
  const a = server("127.0.0.11", { ...routes, "/far": `${b.base}/file` });
  const mirror = client(5);
  try {
    const moved = await mirror.request({ url: `${a.base}/far` });
    assert.equal(moved.status, 200);
    assert.equal(await new Response(moved.body).text(), "here: /file");
    assert.equal(moved.url, `${a.base}/far`, "named by what was asked");

    const ok = await mirror.request({ url: `${a.base}/hop2` }); // hop2 … hop6, end: 5 redirects
    assert.equal(await new Response(ok.body).text(), "here: /end");
    await assert.rejects(
      mirror.request({ url: `${a.base}/hop0` }),
      (e) => e instanceof UpstreamError && /more than 5 redirects/.test(e.message),
    );
  } finally {
    mirror.close();
    await a.http.shutdown();
    await b.http.shutdown();
  }
});

Deno.test("a loopback mirror's redirect to a private or link-local address is refused before any connection", async () => {
  const a = server("127.0.0.13", {
    "/lan": "http://10.255.255.1/debian/x",
    "/metadata": "http://169.254.169.254/latest/",
    "/ftp": "ftp://127.0.0.13/x",
  });
  const mirror = client(5);
  try {
    for (
      const [path, why] of [["/lan", /private/], ["/metadata", /link-local/], [
        "/ftp",
        /ftp/,
      ]] as const
    ) {
      await assert.rejects(
        mirror.request({ url: `${a.base}${path}` }),
        (e) =>
          e instanceof UpstreamError && /redirect refused/.test(e.message) && why.test(e.message),
        path,
      );
    }
  } finally {
    mirror.close();
    await a.http.shutdown();
  }
});

Deno.test("the peer client (no maxRedirects) returns a 3xx as it is and follows nothing", async () => {
  const target = server("127.0.0.15");
  const peer = server("127.0.0.14", { "/~/x": `${target.base}/stats.json` });
  const c = client();
  try {
    const response = await c.request({ url: `${peer.base}/~/x` });
    assert.equal(response.status, 302);
    response.cancel();
    assert.deepEqual(target.seen, []);
  } finally {
    c.close();
    await peer.http.shutdown();
    await target.http.shutdown();
  }
});
