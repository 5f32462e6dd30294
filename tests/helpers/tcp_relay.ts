/**
 * A TCP relay on loopback that counts the bytes it carries each way: what
 * really went over the wire between a client and a server.
 */

export interface TcpRelay extends AsyncDisposable {
  readonly port: number;
  /** Bytes from the client to the server. */
  readonly up: () => number;
  /** Bytes from the server to the client. */
  readonly down: () => number;
  /** The client's bytes, as sent (for looking at request heads). */
  readonly sent: () => Uint8Array;
  /** The server's bytes, as sent. */
  readonly received: () => Uint8Array;
}

export function startTcpRelay(target: { hostname: string; port: number }): TcpRelay {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let up = 0;
  let down = 0;
  const sent: Uint8Array[] = [];
  const received: Uint8Array[] = [];
  const conns = new Set<Deno.Conn>();
  const pipe = async (from: Deno.Conn, to: Deno.Conn, count: (chunk: Uint8Array) => void) => {
    try {
      for await (
        const chunk of from.readable.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              count(chunk);
              controller.enqueue(chunk);
            },
          }),
        )
      ) {
        let at = 0;
        while (at < chunk.length) at += await to.write(chunk.subarray(at));
      }
    } catch { /* either side closed */ }
    await to.closeWrite().catch(() => {}); // the other side may be gone already
  };
  (async () => {
    for await (const client of listener) {
      const server = await Deno.connect(target).catch(() => undefined);
      if (!server) {
        client.close();
        continue;
      }
      conns.add(client).add(server);
      Promise.all([
        pipe(client, server, (c) => {
          up += c.length;
          sent.push(c.slice());
        }),
        pipe(server, client, (c) => {
          down += c.length;
          received.push(c.slice());
        }),
      ]).finally(() => {
        for (const conn of [client, server]) {
          try {
            conn.close();
          } catch { /* closed */ }
          conns.delete(conn);
        }
      });
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    up: () => up,
    down: () => down,
    sent: () => join(sent),
    received: () => join(received),
    [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      return Promise.resolve();
    },
  };
}

function join(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}
