/**
 * Clients that hold connections without using them, from a chosen local
 * address (another loopback address: a stranger to a daemon that allows
 * 127.0.0.1 only): "dripping" ones send a request head a byte at a time,
 * "idle" ones send nothing. Each remembers when the server closed it.
 */

import net from "node:net";

/** One held connection. */
export interface HeldConnection {
  /** Milliseconds from connecting until the server closed it; undefined while open. */
  closedAfterMs?: number;
  /** Whether it connected at all. */
  connected: boolean;
  destroy(): void;
}

const HEAD = "GET /stats.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + "a".repeat(4000);

/** Opens `count` connections from `localAddress` to `port`, `dripEveryMs` apart for dripping ones. */
export async function holdConnections(
  port: number,
  localAddress: string,
  count: number,
  kind: "dripping" | "idle",
  dripEveryMs = 1_000,
): Promise<HeldConnection[]> {
  const held: HeldConnection[] = [];
  const opening: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    opening.push(
      new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port, localAddress });
        let timer: ReturnType<typeof setInterval> | undefined;
        let started = 0;
        const connection: HeldConnection = {
          connected: false,
          destroy: () => {
            clearInterval(timer);
            socket.destroy();
          },
        };
        held.push(connection);
        socket.on("error", () => {});
        socket.on("close", () => {
          clearInterval(timer);
          if (connection.connected) connection.closedAfterMs ??= performance.now() - started;
          resolve();
        });
        socket.on("connect", () => {
          connection.connected = true;
          started = performance.now();
          resolve();
          if (kind === "idle") return;
          let at = 0;
          timer = setInterval(() => {
            if (at < HEAD.length) socket.write(HEAD[at++]);
          }, dripEveryMs);
        });
      }),
    );
  }
  await Promise.all(opening);
  return held;
}

/**
 * Connections the server on `port` still holds from `peer`, as the kernel
 * sees them (`ss`): established, or closed by the client only. Counted on
 * the server's side because a client holding thousands of sockets may be
 * slow to notice a close.
 */
export async function heldByServer(port: number, peer: string): Promise<number> {
  const output = await new Deno.Command("ss", {
    args: ["-Htn", `( sport = :${port} )`],
    stdout: "piped",
  }).output();
  let held = 0;
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    const [state, , , , remote] = line.trim().split(/\s+/);
    if ((state === "ESTAB" || state === "CLOSE-WAIT") && remote?.startsWith(`${peer}:`)) held++;
  }
  return held;
}
