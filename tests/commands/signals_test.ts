/**
 * Stop signals are caught from before start-up: one that comes while the
 * daemon starts (or between its "started" line and the end of start-up)
 * stops it cleanly once started, never by the default action (exit 143).
 */

import assert from "node:assert/strict";
import { StopSignals } from "../../src/commands/signals.ts";
import { daemonCommand, spawnDaemon } from "../helpers/daemon_process.ts";

Deno.test("a SIGTERM that came before anyone waited for it is not lost, and stop runs once", async () => {
  using signals = new StopSignals();
  Deno.kill(Deno.pid, "SIGTERM");
  let stops = 0;
  // Signal listeners do not keep the event loop alive: a bounded timer does.
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    signals.stopWhenSignalled(() => Promise.resolve(void stops++)),
    new Promise((resolve) => timer = setTimeout(resolve, 5000)),
  ]);
  clearTimeout(timer);
  assert.equal(stops, 1);
});

Deno.test({
  name: "SIGTERM at the daemon's first log line (start-up still running): exit 0, daemon.stopped",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // Bounded: a handful of starts, each signalled the moment its first line is read.
      for (let round = 0; round < 3; round++) {
        const command = daemonCommand(`${dir}/${round}`, { extra: ["--log-level", "debug"] });
        await using daemon = await spawnDaemon(command); // returns at the first line with the port
        assert.doesNotMatch(daemon.log(), /daemon\.stopped/);
        assert.equal(await daemon.stop(), 0, daemon.log());
        assert.match(daemon.log(), /daemon\.stopped/);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
