/**
 * The DHT node of dht_flood_target.ts, started as a process of its own
 * (its memory is its own to measure) and asked for figures over its stdin.
 */

/** What the target reports: heap and external memory after a full GC, RSS, store sizes. */
export interface FloodMeasure {
  heapUsed: number;
  external: number;
  rss: number;
  storedPeers: number;
  storedInfoHashes: number;
  storedItems: number;
  nodes: number;
  gc: boolean;
}

export interface FloodTarget extends AsyncDisposable {
  /** The UDP port it listens on, at 127.0.0.1. */
  readonly port: number;
  measure(): Promise<FloodMeasure>;
}

const SCRIPT = new URL("./dht_flood_target.ts", import.meta.url).pathname;

/** Starts the target; resolves once it listens. */
export async function startFloodTarget(): Promise<FloodTarget> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-net", "--v8-flags=--expose-gc", SCRIPT],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = child.stdin.getWriter();
  let pending = "";
  const nextLine = async (): Promise<string> => {
    while (!pending.includes("\n")) {
      const { done, value } = await lines.read();
      if (done) throw new Error("the flood target exited");
      pending += value;
    }
    const at = pending.indexOf("\n");
    const line = pending.slice(0, at);
    pending = pending.slice(at + 1);
    return line;
  };
  const stop = async () => {
    await writer.close().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
  };
  try {
    const { port } = JSON.parse(await nextLine());
    return {
      port,
      async measure() {
        await writer.write(new TextEncoder().encode("measure\n"));
        return JSON.parse(await nextLine());
      },
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
