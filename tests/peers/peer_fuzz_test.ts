/**
 * A bounded fuzz of peer responses: the only peer answers each request with
 * a random status, random lengths and ranges, a random piece-list name and
 * random, truncated, padded or honest bytes. Whatever it does, apt gets the
 * right file (from the peer when it happened to be honest, else the
 * mirror), within a deadline, and the daemon logs no internal error.
 */

import assert from "node:assert/strict";
import { get, POOL, readIndexes, startPeerWorld } from "../helpers/peer_world.ts";
import { startFakePeer } from "../helpers/fake_peer.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";
import { seededRandom } from "../helpers/seeded_random.ts";

const ROUNDS = 12;

for (const [label, size] of [["whole", 300_000], ["in pieces", 1_600_000]] as const) {
  Deno.test({
    name: `a bounded fuzz of peer responses (${label}): apt always gets the right file`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const seed = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 1_000_000);
      const r = seededRandom(seed + size);
      await using world = await startPeerWorld(size, 70 + size % 7);
      const lies: string[] = [];
      const respond = (_request: Request, honest: () => Response): Response => {
        const real = honest();
        const kind = r.int(8);
        lies.push(String(kind));
        const headers = new Headers(real.headers);
        const lengths = [String(size), String(r.int(size * 2)), "0", "99999999999", "-1", "x"];
        switch (kind) {
          case 0:
            return real; // honest, for once
          case 1: { // a random status, honest headers
            const status = r.pick([200, 201, 204, 206, 301, 302, 304, 400, 404, 416, 500, 503]);
            const bodiless = status === 204 || status === 304;
            return new Response(r.int(2) && !bodiless ? "no\n" : null, {
              status,
              headers: r.int(2) ? headers : { location: "http://127.0.0.1:1/" },
            });
          }
          case 2: // a lying Content-Length
            headers.set("content-length", r.pick(lengths));
            return new Response(real.body, { status: real.status, headers });
          case 3: // a lying Content-Range
            headers.set(
              "content-range",
              r.pick([
                `bytes 0-0/${size}`,
                "bytes */0",
                `bytes ${r.int(size)}-${r.int(size)}/*`,
                "junk",
              ]),
            );
            return new Response(real.body, { status: real.status, headers });
          case 4: // random bytes of the right length
            return new Response(
              real.body &&
                crypto.getRandomValues(new Uint8Array(Math.min(65_536, r.int(70_000) + 1))),
              { status: real.status },
            );
          case 5: // truncated
            return new Response(
              real.body?.pipeThrough(
                new TransformStream({
                  transform(chunk, controller) {
                    controller.enqueue(chunk.subarray(0, chunk.length >> 1));
                    controller.terminate();
                  },
                }),
              ) ?? null,
              { status: real.status },
            );
          case 6: // another piece list named
            headers.set("x-apt-dht-pieces", r.pick(["0".repeat(40), "zz", "", "a".repeat(64)]));
            return new Response(real.body, { status: real.status, headers });
          default: // padded with junk
            return new Response(
              real.body?.pipeThrough(
                new TransformStream({
                  flush(controller) {
                    controller.enqueue(new Uint8Array(r.int(5000) + 1));
                  },
                }),
              ) ?? null,
              {
                status: real.status,
                headers: { "x-apt-dht-pieces": headers.get("x-apt-dht-pieces") ?? "" },
              },
            );
        }
      };
      await using peer = await startFakePeer(
        "127.0.11.1",
        world.data,
        world.network.nodes[0].local,
        {
          respond,
        },
      );
      const sources = new Map<string, number>();
      for (let round = 0; round < ROUNDS; round++) {
        // A fresh daemon each round: a peer caught lying would not be asked again.
        const c = await world.daemon({ peers: { timeout: 2 } });
        await readIndexes(c, world.archive);
        const started = performance.now();
        const got = await get(c.base, world.archive, POOL);
        const ms = performance.now() - started;
        assertBytes(got.body, world.data);
        assert.ok(ms < 15_000, `seed ${seed} round ${round}: ${Math.round(ms)} ms`);
        sources.set(got.source ?? "?", (sources.get(got.source ?? "?") ?? 0) + 1);
        const errors = c.logLines.filter((l) => /handler_error|pipeline_error|Uncaught/.test(l));
        assert.deepEqual(errors, [], `seed ${seed} round ${round}`);
        await c[Symbol.asyncDispose]();
      }
      assert.ok(peer.requests.length > 0, "the peer was asked");
      console.log(
        `peer fuzz (${label}), seed ${seed}: ${peer.requests.length} requests, sources ${
          JSON.stringify(Object.fromEntries(sources))
        }`,
      );
    },
  });
}
