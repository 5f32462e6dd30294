/**
 * A DHT node in a process of its own, for measuring its memory under a
 * flood: prints `{"port": N}` once listening, then answers each `measure`
 * line on stdin with its heap and external memory (after a full GC), RSS
 * and store sizes.
 * Run with `--v8-flags=--expose-gc`.
 */

import { DhtNode, UdpSocket } from "../../src/dht/mod.ts";

const node = new DhtNode({ socket: new UdpSocket("127.0.0.1", 0) });
await node.start();
console.log(JSON.stringify({ port: node.stats().port }));
const gc = (globalThis as { gc?: () => void }).gc;
for await (const line of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  if (!line.includes("measure")) continue;
  for (let i = 0; i < 3; i++) gc?.();
  const memory = Deno.memoryUsage();
  const stats = node.stats();
  console.log(JSON.stringify({
    heapUsed: memory.heapUsed,
    // ArrayBuffers live outside the heap: a stored view keeps its whole buffer there.
    external: memory.external,
    rss: memory.rss,
    storedPeers: stats.storedPeers,
    storedInfoHashes: stats.storedInfoHashes,
    storedItems: stats.storedItems,
    nodes: stats.nodes,
    gc: gc !== undefined,
  }));
}
await node.stop();
