/**
 * A peer that misbehaves on purpose: it announces a file in the DHT and
 * answers /~/ requests (HEAD, piece list, byte ranges) with whatever lie
 * the test wants.
 */

import { createHash } from "node:crypto";
import { DhtNode, type Endpoint, UdpSocket } from "../../src/dht/mod.ts";
import { encodePieceList, PIECE_BYTES, PieceHasher, pieceListName } from "../../src/hash/mod.ts";
import { dhtKeyOf } from "../../src/peers/mod.ts";

export interface FakePeerBehaviour {
  /** The bytes it serves (default: the real file). */
  readonly content?: Uint8Array;
  /** The piece list it claims (default: the one of `content`). */
  readonly listOf?: Uint8Array;
  /** Send the first 1000 bytes of every range, then nothing more. */
  readonly stall?: boolean;
  /** Answer 404 for its piece list, having put it in the DHT as a BEP 44 item instead. */
  readonly listOnlyInDht?: boolean;
}

export interface FakePeer extends AsyncDisposable {
  readonly requests: { method: string; path: string; range: string | null }[];
}

function pieceListOf(data: Uint8Array): Uint8Array {
  const hasher = new PieceHasher(PIECE_BYTES);
  hasher.update(data);
  return encodePieceList(hasher.finish(data.length));
}

/** Starts a fake peer on `address` that announces `data`'s hash through `bootstrap`. */
export async function startFakePeer(
  address: string,
  data: Uint8Array,
  bootstrap: Endpoint,
  behaviour: FakePeerBehaviour = {},
): Promise<FakePeer> {
  const sha256 = createHash("sha256").update(data).digest("hex");
  const content = new Uint8Array(behaviour.content ?? data);
  const list = new Uint8Array(pieceListOf(behaviour.listOf ?? content));
  const listKey = pieceListName(list);
  const requests: FakePeer["requests"] = [];
  const stalled: ReadableStreamDefaultController<Uint8Array>[] = [];
  const server = Deno.serve({ hostname: address, port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    const range = request.headers.get("range");
    requests.push({ method: request.method, path, range });
    if (path === `/~/${listKey}`) {
      return behaviour.listOnlyInDht ? new Response("no\n", { status: 404 }) : new Response(list);
    }
    if (path !== `/~/${sha256}`) return new Response("no\n", { status: 404 });
    const headers = { "x-apt-dht-pieces": listKey, "content-length": String(content.length) };
    if (request.method === "HEAD") return new Response(null, { headers });
    const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
    if (!match) return new Response(content, { headers });
    const [start, end] = [Number(match[1]), Number(match[2])];
    const slice = content.subarray(start, end + 1);
    const rangeHeaders = {
      "content-range": `bytes ${start}-${end}/${content.length}`,
      "content-length": String(slice.length),
    };
    if (behaviour.stall) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(slice.subarray(0, 1000));
          stalled.push(controller);
        },
      });
      return new Response(body, { status: 206, headers: rangeHeaders });
    }
    return new Response(slice, { status: 206, headers: rangeHeaders });
  });
  const node = new DhtNode({ socket: new UdpSocket(address, 0), bootstrap: [bootstrap] });
  await node.start();
  await node.announce(dhtKeyOf(sha256), server.addr.port);
  if (behaviour.listOnlyInDht) await node.putImmutable(list);
  return {
    requests,
    async [Symbol.asyncDispose]() {
      for (const controller of stalled) {
        try {
          controller.error(new Error("test over"));
        } catch { /* closed */ }
      }
      await node.stop();
      await server.shutdown();
    },
  };
}
