/**
 * One HTTP layer serving files from a directory, for the comparison of
 * layers (`http_layers.ts`): `deno-serve` (Deno.serve, the file's own
 * stream), `node-http` (node:http with its header and request timeouts set,
 * fs.createReadStream) or `own` (this project's HTTP/1.1 server with a
 * marked file body). Each layer gets a 10 s header timeout where it has one.
 *
 *   deno run -P=test layer_server.ts LAYER PORT DIR
 */

import http from "node:http";
import fs from "node:fs";
import { Http1Server, markFileBody } from "../../src/http1/mod.ts";

const [layer, port, root] = [Deno.args[0], Number(Deno.args[1]), Deno.args[2]];
const HEADER_TIMEOUT_MS = 10_000;

async function open(pathname: string) {
  const file = await Deno.open(root + decodeURIComponent(pathname));
  return { file, size: (await file.stat()).size };
}

if (layer === "deno-serve") {
  Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => console.log("listening") },
    async (r) => {
      const { file, size } = await open(new URL(r.url).pathname);
      return new Response(file.readable, { headers: { "content-length": String(size) } });
    },
  );
} else if (layer === "node-http") {
  const server = http.createServer((request, response) => {
    const path = root + decodeURIComponent(request.url ?? "/");
    fs.stat(path, (error, stat) => {
      if (error) return response.writeHead(404).end();
      response.writeHead(200, { "content-length": stat.size });
      fs.createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(response);
    });
  });
  server.headersTimeout = HEADER_TIMEOUT_MS;
  server.requestTimeout = HEADER_TIMEOUT_MS;
  server.keepAliveTimeout = 30_000;
  server.listen(port, "127.0.0.1", () => console.log("listening"));
} else if (layer === "own") {
  new Http1Server(Deno.listen({ hostname: "127.0.0.1", port }), {
    handler: async (r) => {
      const { file, size } = await open(new URL(r.url).pathname);
      const body = markFileBody(file.readable, { file, start: 0, end: size });
      return new Response(body, { headers: { "content-length": String(size) } });
    },
    onError: () => new Response("not found\n", { status: 404 }),
    timeouts: { headerMs: HEADER_TIMEOUT_MS, idleMs: 30_000, sendMs: 60_000 },
  });
  console.log("listening");
} else {
  throw new Error(`unknown layer ${layer}: deno-serve, node-http or own`);
}
