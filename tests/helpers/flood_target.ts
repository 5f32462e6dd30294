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
  storedVotes: number;
  nodes: number;
  packetsIn: number;
  malformed: number;
  /** The longest the target's event loop was held up since the last measure (5 ms ticks). */
  longestStallMs: number;
  gc: boolean;
}

export interface FloodTarget extends AsyncDisposable {
  /** The UDP port it listens on, at 127.0.0.1. */
  readonly port: number;
  measure(): Promise<FloodMeasure>;
}

/** How long a measure may take (three full GCs of a small heap take well under a second). */
const MEASURE_TIMEOUT_MS = 20_000;

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
        // A target whose loop is frozen never answers: fail rather than hang.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const frozen = new Promise<never>((_, reject) =>
          timer = setTimeout(
            () => reject(new Error(`the target did not answer in ${MEASURE_TIMEOUT_MS} ms`)),
            MEASURE_TIMEOUT_MS,
          )
        );
        try {
          return JSON.parse(await Promise.race([nextLine(), frozen]));
        } finally {
          clearTimeout(timer);
        }
      },
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
