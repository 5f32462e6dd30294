/**
 * A fleet with a liar in it: a peer that claims to be fetching the file from
 * the mirror with the lowest ticket, so every daemon follows it, and then
 * sends wrong bytes, or stalls. Each daemon still gets the right file, in
 * bounded time, and the mirror still sends it about once: the liar is left
 * out and the honest daemons decide again among themselves.
 */

import assert from "node:assert/strict";
import { startFakePeer } from "../helpers/fake_peer.ts";
import { startFleetWorld, timedGet } from "../helpers/fleet_world.ts";
import { bytes } from "../helpers/archive.ts";

const MB = 1024 * 1024;
const RATE = 4 * MB;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A peer that sends the first 1000 bytes of what it serves, then nothing:
 * the mirror may send the file at most `mirrorTimes` times.
 */
function stalling(kind: "right" | "wrong", wrongContent: boolean, mirrorTimes: number) {
  return {
    name: `stalls after 1000 ${kind} bytes`,
    respond: (request: Request, honest: () => Response) => {
      const answer = honest();
      const headers = new Headers(answer.headers);
      for (const [k, v] of Object.entries(LEADER_CLAIM)) headers.set(k, v);
      if (request.method === "HEAD" || !answer.body) return new Response(null, { headers });
      const reader = answer.body.getReader();
      const stalled = new ReadableStream<Uint8Array>({
        async start(controller) {
          let sent = 0;
          while (sent < 1000) {
            const { value } = await reader.read();
            if (!value) break;
            const part = value.subarray(0, 1000 - sent);
            controller.enqueue(part);
            sent += part.length;
          }
          await reader.cancel();
        },
      });
      return new Response(stalled, { status: answer.status, headers });
    },
    wrongContent,
    mirrorTimes,
  };
}

/** The liar's claim: it fetches from the mirror, with the lowest ticket there is. */
const LEADER_CLAIM = { "x-apt-dht-growing": "received=0; origin=mirror; ticket=0" };

for (
  const lie of [
    {
      name: "sends wrong bytes",
      respond: (request: Request, honest: () => Response) => {
        const answer = honest();
        const headers = new Headers(answer.headers);
        for (const [k, v] of Object.entries(LEADER_CLAIM)) headers.set(k, v);
        return new Response(request.method === "HEAD" ? null : answer.body, {
          status: answer.status,
          headers,
        });
      },
      wrongContent: true,
      mirrorTimes: 1.5,
    },
    stalling("right", false, 1.5),
    stalling("wrong", true, 2.5),
  ]
) {
  Deno.test({
    name:
      `a fleet peer that claims to lead and ${lie.name}: three daemons still get the file in bounded time`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await using world = await startFleetWorld([
        { name: "solo", payloadBytes: 4 * MB },
        { name: "fleet", payloadBytes: 4 * MB },
      ], RATE);
      const size = world.repo.debs.get("fleet")!.size;
      const daemons = [];
      for (let i = 0; i < 3; i++) daemons.push(await world.daemon());
      const alone = await timedGet(daemons[0].base, world, "solo");
      const real = await Deno.readFile(
        `${world.repo.root}/${world.repo.archivePath}/${world.pathOf("fleet")}`,
      );
      await using liar = await startFakePeer("127.0.0.77", real, world.network.nodes[0].local, {
        content: lie.wrongContent ? bytes(real.length, 99) : real,
        respond: lie.respond,
      });
      const results = await Promise.all(daemons.map(async (daemon, i) => {
        await sleep(i * 50);
        return await timedGet(daemon.base, world, "fleet");
      }));
      const sent = world.mirror.sentFor(world.pathOf("fleet"));
      const times = results.map((r) => Math.round(r.ms));
      console.log(
        `alone ${Math.round(alone.ms)} ms; with the liar: ${times.join(", ")} ms; ` +
          `mirror sent ${(sent / size).toFixed(2)}×; the liar got ${liar.requests.length} requests`,
      );
      results.forEach((result, i) => assert.ok(result.right, `daemon ${i} got the right file`));
      assert.ok(liar.requests.length > 0, "the daemons did ask the liar");
      assert.ok(
        sent <= lie.mirrorTimes * size,
        `mirror sent ${sent} bytes for a file of ${size}, at most ${lie.mirrorTimes}×`,
      );
      // Bounded: the lie costs at most the peers' timeout (3 s) and a file's worth of time.
      for (const ms of times) assert.ok(ms <= 2 * alone.ms + 4000, `${ms} ms`);
    },
  });
}
