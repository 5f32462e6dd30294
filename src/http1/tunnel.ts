/**
 * `CONNECT` tunnels: a handler answers with {@link tunnelResponse}, carrying
 * the connection it opened to the target; the connection sends `200
 * Connection established` and then relays bytes both ways until both sides
 * have ended, or one fails, or nothing moved for the idle timeout. An end
 * of stream from one side is passed on as a half-close (`closeWrite`), so a
 * client that says it is done still gets the rest of the answer.
 *
 * @module
 */

import { TUNNEL_BUFFER_BYTES } from "./constants.ts";

/** The far end of a tunnel: a connection the handler opened. */
export type TunnelPeer = Pick<Deno.TcpConn, "read" | "write" | "close" | "closeWrite">;

/** What the tunnel reports as it goes. */
export interface TunnelOptions {
  /** Bytes relayed: "out" from the client to the target, "in" back. */
  readonly onBytes?: (direction: "in" | "out", bytes: number) => void;
  /** Called once when the tunnel is over (both ends closed). */
  readonly onEnd?: () => void;
}

interface Tunnel {
  readonly peer: TunnelPeer;
  readonly options: TunnelOptions;
}

const tunnels = new WeakMap<Response, Tunnel>();

/** The 2xx answer to a `CONNECT`, after which the connection relays to `peer`. */
export function tunnelResponse(peer: TunnelPeer, options: TunnelOptions = {}): Response {
  const response = new Response(null, { status: 200 });
  tunnels.set(response, { peer, options });
  return response;
}

/** The tunnel a response carries, if it is one. */
export function tunnelOf(response: Response): Tunnel | undefined {
  return tunnels.get(response);
}

/** The connection's side of the relay: the writes, under its send deadlines, and the idle clock. */
export interface RelayEnds {
  /** Writes all of the bytes to the client, or to the far end. */
  readonly toClient: (bytes: Uint8Array) => Promise<void>;
  readonly toPeer: (bytes: Uint8Array) => Promise<void>;
  /** Bytes moved: the idle deadline starts again. */
  moved(): void;
}

/**
 * Relays between `client` and the tunnel's peer, `early` (bytes the client
 * sent after its head) first, until both directions end or one fails; then
 * closes both ends. Never throws.
 */
export async function relay(
  client: TunnelPeer,
  early: Uint8Array,
  tunnel: Tunnel,
  ends: RelayEnds,
): Promise<void> {
  const { peer, options } = tunnel;
  const pump = async (
    from: TunnelPeer,
    to: TunnelPeer,
    write: (bytes: Uint8Array) => Promise<void>,
    direction: "in" | "out",
    first?: Uint8Array,
  ) => {
    const send = async (bytes: Uint8Array) => {
      await write(bytes);
      ends.moved();
      options.onBytes?.(direction, bytes.length);
    };
    if (first?.length) await send(first);
    const buffer = new Uint8Array(TUNNEL_BUFFER_BYTES);
    while (true) {
      const n = await from.read(buffer);
      if (n === null) break;
      ends.moved();
      await send(buffer.subarray(0, n));
    }
    await to.closeWrite().catch(() => {});
  };
  const closeBoth = () => {
    for (const end of [client, peer]) {
      try {
        end.close();
      } catch { /* closed */ }
    }
  };
  // One side failing ends both: a reset on one end leaves nothing to relay to.
  await Promise.all([
    pump(client, peer, ends.toPeer, "out", early).catch(closeBoth),
    pump(peer, client, ends.toClient, "in").catch(closeBoth),
  ]);
  closeBoth();
  options.onEnd?.();
}
