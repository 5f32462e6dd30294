import assert from "node:assert/strict";
import {
  archiveTargetOf,
  classifyRequest,
  decodePathSegments,
} from "../../src/server/request_target.ts";
import { isLocalAddress } from "../../src/net/mod.ts";

/** A machine with no address but loopback. */
const loopbackOnly = (address: string) => isLocalAddress(address, () => []);

const context = {
  port: 9977,
  mirrors: new Map([["debian", {
    name: "debian",
    upstreams: ["https://a.example/debian", "http://b.example/debian"],
  }]]),
};
// A plain object: `new Request()` refuses CONNECT (the HTTP layer builds its own).
const classify = (url: string, method = "GET") => classifyRequest({ method, url }, context);

Deno.test("classifyRequest() maps /<host>/<path> to the host over http (URL-rewrite mode)", () => {
  assert.deepEqual(
    classify(
      "http://localhost:9977/deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb",
    ),
    {
      kind: "archive",
      mode: "rewrite",
      key: "deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb",
      upstreams: ["http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb"],
    },
  );
});

Deno.test("classifyRequest() keeps ports and decodes apt's escapes into the key, re-encoding upstream", () => {
  const target = classify(
    "http://127.0.0.1:9977/mirror.example:8080/debian/pool/main/g/gcc/libstdc%2b%2b6_12_amd64.deb",
  );
  assert.equal(target.kind, "archive");
  if (target.kind !== "archive") return;
  assert.equal(target.key, "mirror.example:8080/debian/pool/main/g/gcc/libstdc++6_12_amd64.deb");
  assert.deepEqual(target.upstreams, [
    "http://mirror.example:8080/debian/pool/main/g/gcc/libstdc%2B%2B6_12_amd64.deb",
  ]);
});

Deno.test("classifyRequest() sends an alias to all its upstreams, in order", () => {
  const target = classify("http://localhost:9977/debian/dists/bookworm/InRelease");
  assert.equal(target.kind, "archive");
  if (target.kind !== "archive") return;
  assert.equal(target.mode, "alias");
  assert.equal(target.key, "debian/dists/bookworm/InRelease");
  assert.deepEqual(target.upstreams, [
    "https://a.example/debian/dists/bookworm/InRelease",
    "http://b.example/debian/dists/bookworm/InRelease",
  ]);
});

Deno.test("classifyRequest() treats absolute-form requests for other ports as proxy mode", () => {
  const target = classify("http://deb.debian.org/debian/dists/bookworm/Release");
  assert.equal(target.kind, "archive");
  if (target.kind !== "archive") return;
  assert.equal(target.mode, "proxy");
  assert.equal(target.key, "deb.debian.org/debian/dists/bookworm/Release");
});

Deno.test("classifyRequest() refuses traversal, encoded slashes, bad hosts, queries and other methods", () => {
  const refusals: [string, number, string?][] = [
    ["http://localhost:9977/deb.debian.org/a%2fb", 400],
    ["http://localhost:9977/deb.debian.org/a%5cb", 400],
    ["http://localhost:9977/deb.debian.org/a%00b", 400],
    ["http://localhost:9977/deb.debian.org/a%zz", 400],
    ["http://localhost:9977/bad_host!/x", 400],
    ["http://localhost:9977/user@host/x", 400],
    ["http://localhost:9977/host:99999/x", 400],
    ["http://localhost:9977/deb.debian.org/x?y=1", 400],
    ["http://localhost:9977/deb.debian.org", 404],
    ["http://localhost:9977/~/0123", 404],
    ["http://localhost:9977/deb.debian.org/x", 405, "POST"],
  ];
  for (const [url, status, method] of refusals) {
    const target = classify(url, method);
    assert.equal(target.kind, "refused", url);
    if (target.kind === "refused") assert.equal(target.status, status, url);
  }
});

Deno.test("classifyRequest() names peers' files by SHA-256, piece lists by SHA-1, signed files by signature key", () => {
  const sha256 = "AB".repeat(32);
  const sha1 = "cd".repeat(20);
  assert.deepEqual(classify(`http://localhost:9977/~/${sha256}`), {
    kind: "peer-file",
    sha256: sha256.toLowerCase(),
  });
  assert.deepEqual(classify(`http://localhost:9977/~/${sha1}`), { kind: "peer-piece-list", sha1 });
  assert.deepEqual(classify(`http://localhost:9977/~/signed/${sha1.toUpperCase()}`), {
    kind: "peer-signed",
    key: sha1,
  });
  for (const path of [`/~/signed/${sha256}`, "/~/signed/", `/~/signed/${sha1}/x`]) {
    const target = classify(`http://localhost:9977${path}`);
    assert.ok(target.kind === "refused" && target.status === 404 && target.public, path);
  }
});

Deno.test("classifyRequest() answers the status paths itself", () => {
  for (const path of ["/", "/stats.json", "/metrics"]) {
    assert.deepEqual(classify(`http://localhost:9977${path}`), { kind: "local", path });
  }
});

Deno.test("decodePathSegments() refuses '..' however it is spelled", () => {
  // (new Request() would resolve these before classifyRequest() sees them; the wire does not.)
  for (const raw of ["/a/../b", "/a/%2e%2e/b", "/a/.%2E/b", "/a/%2E%2e"]) {
    const result = decodePathSegments(raw);
    assert.ok(!Array.isArray(result) && result.status === 400, raw);
  }
});

Deno.test("decodePathSegments() drops empty segments and decodes each one", () => {
  assert.deepEqual(decodePathSegments("//a//b%20c/./d/%2e/"), ["a", "b c", "d"]);
});

Deno.test("classifyRequest() takes /~/ as the peers' whatever the Host, and another machine's address on our port as a proxy request", () => {
  // Behind port forwarding a peer names the forwarded port.
  const hash = "ab".repeat(32);
  assert.deepEqual(classify(`http://router.example:8080/~/${hash}`), {
    kind: "peer-file",
    sha256: hash,
  });
  // apt in proxy mode, to a mirror that happens to listen on our port number.
  const foreign = classifyRequest(
    new Request("http://192.0.2.7:9977/ftp/debian/pool/main/h/hello/hello_1_all.deb"),
    { ...context, isOwnAddress: loopbackOnly },
  );
  assert.equal(foreign.kind, "archive");
  assert.equal(foreign.kind === "archive" && foreign.mode, "proxy");
  assert.equal(
    foreign.kind === "archive" && foreign.key,
    "192.0.2.7:9977/ftp/debian/pool/main/h/hello/hello_1_all.deb",
  );
  const status = (url: string) =>
    classifyRequest(new Request(url), { ...context, isOwnAddress: loopbackOnly }).kind;
  assert.equal(status("http://192.0.2.7:9977/stats.json"), "archive");
  // A client reaching us through port forwarding or NAT, in rewrite mode: ours.
  const forwarded = classifyRequest(
    new Request("http://192.0.2.7:9977/deb.debian.org/debian/pool/main/h/hello/hello_1_all.deb"),
    { ...context, isOwnAddress: loopbackOnly },
  );
  assert.equal(forwarded.kind === "archive" && forwarded.mode, "rewrite");
  assert.equal(
    forwarded.kind === "archive" && forwarded.key,
    "deb.debian.org/debian/pool/main/h/hello/hello_1_all.deb",
  );
  const viaAlias = classifyRequest(new Request("http://192.0.2.7:9977/debian/pool/x.deb"), {
    ...context,
    isOwnAddress: loopbackOnly,
  });
  assert.equal(viaAlias.kind === "archive" && viaAlias.mode, "alias", "a known alias is ours too");
  const viaHttps = classifyRequest(
    new Request("http://192.0.2.7:9977/https/deb.example/debian/pool/x.deb"),
    { ...context, isOwnAddress: loopbackOnly },
  );
  assert.equal(
    viaHttps.kind === "archive" && viaHttps.key,
    "https/deb.example/debian/pool/x.deb",
    "so is the https form",
  );
  // This machine, by loopback, by name, or as [::1]: ours.
  assert.equal(status("http://127.0.0.1:9977/stats.json"), "local");
  assert.equal(status("http://[::1]:9977/stats.json"), "local");
  assert.equal(status("http://apt-cache.lan:9977/stats.json"), "local");
  assert.equal(
    classifyRequest(new Request("http://192.0.2.7:9977/stats.json"), {
      ...context,
      isOwnAddress: (a) => a === "192.0.2.7",
    }).kind,
    "local",
  );
});

Deno.test("classifyRequest() takes /favicon.ico on our port as a local page, not a refusal", () => {
  assert.deepEqual(classify("http://localhost:9977/favicon.ico"), {
    kind: "local",
    path: "/favicon.ico",
  });
});

Deno.test("classifyRequest() maps /https/<host>/<path> to the host over https, keyed apart from http", () => {
  const target = classify(
    "http://localhost:9977/https/deb.example:8443/debian/pool/main/g/gcc/libstdc%2b%2b6_12_amd64.deb",
  );
  assert.deepEqual(target, {
    kind: "archive",
    mode: "rewrite",
    key: "https/deb.example:8443/debian/pool/main/g/gcc/libstdc++6_12_amd64.deb",
    upstreams: ["https://deb.example:8443/debian/pool/main/g/gcc/libstdc%2B%2B6_12_amd64.deb"],
  });
  // The key leads back to the same upstream (the daemon's own fetches: pdiff, whole indexes).
  assert.deepEqual(
    archiveTargetOf((target as { key: string }).key, context.mirrors).upstreams,
    (target as { upstreams: string[] }).upstreams,
  );
  assert.deepEqual(archiveTargetOf("deb.example/debian/x", context.mirrors).upstreams, [
    "http://deb.example/debian/x",
  ]);
  for (const url of ["http://localhost:9977/https/deb.example", "http://localhost:9977/https"]) {
    assert.equal(classify(url).kind, "refused", url);
  }
  assert.equal(
    (classify("http://localhost:9977/https/bad_host!/x") as { status: number }).status,
    400,
  );
});

Deno.test("classifyRequest() takes CONNECT host:port as a tunnel target, and nothing else", () => {
  assert.deepEqual(classify("http://Deb.Example:443", "CONNECT"), {
    kind: "tunnel",
    host: "deb.example",
    port: 443,
  });
  assert.deepEqual(classify("http://[2001:db8::1]:443", "CONNECT"), {
    kind: "tunnel",
    host: "2001:db8::1",
    port: 443,
  });
  for (const url of ["http://deb.example", "http://deb.example:0", "http://a/b:443"]) {
    const target = classify(url, "CONNECT");
    assert.equal(target.kind === "refused" && target.status, 400, url);
  }
});
