/**
 * Whether a DHT node on real UDP still answers: a ping sent from `socket`
 * and its response awaited (the node may ping us back first, and junk
 * sent earlier may get error replies: both are skipped).
 */

import { randomId } from "../../src/dht/mod.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";

/** Sends a ping to `to`; true once its response arrives, false after `ms`. */
export async function answersPing(
  socket: Deno.DatagramConn,
  to: { hostname: string; port: number },
  ms = 3000,
): Promise<boolean> {
  const tid = crypto.getRandomValues(new Uint8Array(4));
  const ping = encodeMessage({ kind: "query", tid, method: "ping", args: { id: randomId() } });
  await socket.send(ping, { transport: "udp", ...to });
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const received = await Promise.race([
      socket.receive(),
      new Promise<undefined>((resolve) =>
        timer = setTimeout(() => resolve(undefined), deadline - Date.now())
      ),
    ]);
    clearTimeout(timer);
    if (!received) return false;
    try {
      const message = decodeMessage(received[0].slice());
      if (message.kind === "response" && message.tid.toHex() === tid.toHex()) return true;
    } catch { /* not KRPC: not the answer */ }
  }
  return false;
}
