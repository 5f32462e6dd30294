/**
 * A peer that misbehaves on purpose: it announces a file in the DHT and
 * answers /~/ requests (HEAD, piece list, byte ranges) with whatever lie
 * the test wants.
 */

import { createHash } from "node:crypto";
import { DhtNode, type Endpoint, UdpSocket } from "../../src/dht/mod.ts";
import { encodePieceList, PIECE_BYTES, pieceListName } from "../../src/hash/mod.ts";
import { PieceHasher } from "../../src/hash/pieces.ts";
import { dhtKeyOf } from "../../src/peers/announcer.ts";

export interface FakePeerBehaviour {
  /** The bytes it serves (default: the real file). */
  readonly content?: Uint8Array;
  /** The piece list it claims (default: the one of `content`). */
  readonly listOf?: Uint8Array;
  /** Send the first 1000 bytes of every range, then nothing more. */
  readonly stall?: boolean;
  /** Answer 404 for its piece list, having put it in the DHT as a BEP 44 item instead. */
  readonly listOnlyInDht?: boolean;
  /** After the right bytes (or list), more, for ever: of the whole file, of every range, of the list. */
  readonly endless?: "whole" | "range" | "list";
  /** Send every body one byte at a time, one every this many milliseconds. */
  readonly dripMs?: number;
  /** Answer every request for the file with a 302 to this URL. */
  readonly redirectTo?: string;
  /** Claim this Content-Length for the whole file (the body is the real one, then endless). */
  readonly claimedLength?: number;
  /** Answers each request itself (a fuzzer); `honest` is what it would have answered. */
  readonly respond?: (request: Request, honest: () => Response) => Response;
}

export interface FakePeer extends AsyncDisposable {
  /** Its DHT node, on the same port number as its HTTP server. */
  readonly node: DhtNode;
  readonly requests: { method: string; path: string; range: string | null }[];
  /** Bytes it has sent in bodies (an endless body stops counting when the reader stops). */
  readonly sent: () => number;
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
  let sent = 0;
  let over = false;
  const waits = new Set<() => void>(); // pending drips, woken early when the test is over
  /** `bytes`, dripped if asked, then (when `forever`) 64 KiB chunks of zeros until the reader stops. */
  const body = (bytes: Uint8Array, forever: boolean) => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (behaviour.dripMs && at < bytes.length) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              waits.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, behaviour.dripMs);
            waits.add(wake);
          });
        }
        if (over) return controller.error(new Error("test over"));
        const step = behaviour.dripMs ? 1 : 64 * 1024;
        let chunk: Uint8Array;
        if (at < bytes.length) chunk = bytes.subarray(at, at + step);
        else if (forever) chunk = new Uint8Array(64 * 1024);
        else return controller.close();
        at += chunk.length;
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
  };
  const server = Deno.serve({ hostname: address, port: 0, onListen() {} }, (request) => {
    requests.push({
      method: request.method,
      path: new URL(request.url).pathname,
      range: request.headers.get("range"),
    });
    return behaviour.respond ? behaviour.respond(request, () => answer(request)) : answer(request);
  });
  function answer(request: Request): Response {
    const path = new URL(request.url).pathname;
    const range = request.headers.get("range");
    if (path === `/~/${listKey}`) {
      if (behaviour.listOnlyInDht) return new Response("no\n", { status: 404 });
      return new Response(body(list, behaviour.endless === "list"));
    }
    if (path !== `/~/${sha256}`) return new Response("no\n", { status: 404 });
    if (behaviour.redirectTo) {
      return new Response(null, { status: 302, headers: { location: behaviour.redirectTo } });
    }
    const length = behaviour.claimedLength ?? content.length;
    const headers = { "x-apt-dht-pieces": listKey, "content-length": String(length) };
    if (request.method === "HEAD") return new Response(null, { headers });
    const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
    if (!match) {
      const forever = behaviour.endless === "whole" || behaviour.claimedLength !== undefined;
      // An endless body has no length to declare: chunked, unless a length is claimed.
      const declared = behaviour.endless === "whole" ? { "x-apt-dht-pieces": listKey } : headers;
      return new Response(body(content, forever), { headers: declared });
    }
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
    const forever = behaviour.endless === "range";
    return new Response(body(slice, forever), {
      status: 206,
      headers: forever ? { "content-range": rangeHeaders["content-range"] } : rangeHeaders,
    });
  }
  // On the HTTP port's number, as a daemon's: that is where other daemons learn its node id.
  const node = new DhtNode({
    socket: new UdpSocket(address, server.addr.port),
    bootstrap: [bootstrap],
  });
  await node.start();
  await node.announce(dhtKeyOf(sha256), server.addr.port);
  if (behaviour.listOnlyInDht) await node.putImmutable(list);
  return {
    node,
    requests,
    sent: () => sent,
    async [Symbol.asyncDispose]() {
      over = true;
      for (const wake of [...waits]) wake();
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
