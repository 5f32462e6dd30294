/**
 * A DHT node in a process of its own, for measuring its memory under a
 * flood: prints `{"port": N}` once listening, then answers each `measure`
 * line on stdin with its heap and external memory (after a full GC), RSS,
 * store sizes, packet counts and the longest stall of its event loop.
 * Run with `--v8-flags=--expose-gc`.
 */

import { DhtNode, UdpSocket } from "../../src/dht/mod.ts";
import { LoopStalls } from "../../src/stats/mod.ts";

const node = new DhtNode({ socket: new UdpSocket("127.0.0.1", 0) });
await node.start();
// Fine-grained, over each period between two measures (whose own GCs are left out).
const watch = () => new LoopStalls({ tickMs: 5, windowMs: Number.MAX_SAFE_INTEGER });
let stalls = watch();
stalls.start();
console.log(JSON.stringify({ port: node.stats().port }));
const gc = (globalThis as { gc?: () => void }).gc;
for await (const line of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  if (!line.includes("measure")) continue;
  const longestStallMs = stalls.figures().longestMsLastMinute;
  stalls.stop();
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
    storedVotes: stats.storedVotes,
    nodes: stats.nodes,
    packetsIn: stats.counters.packetsIn,
    malformed: stats.counters.malformed,
    longestStallMs,
    gc: gc !== undefined,
  }));
  stalls = watch();
  stalls.start();
}
stalls.stop();
await node.stop();
