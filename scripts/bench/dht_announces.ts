/**
 * Benchmark: how many files one node keeps announced per second in a
 * 60-node loopback DHT whose every socket drops 0%, 20% and 40% of what it
 * sends (the announcer's real pacing: 5 per second at most). 60 files per
 * case, each case bounded to 60 s. Writes bench-results/dht_announces.json.
 *
 *   deno run -P=test scripts/bench/dht_announces.ts
 */

import { systemClock } from "../../src/util/clock.ts";
import { Logger } from "../../src/log/mod.ts";
import { Announcer } from "../../src/peers/mod.ts";
import { startDhtNetwork } from "../../tests/helpers/dht_network.ts";
import { writeResults } from "./results.ts";

const FILES = 60;
const cases: Record<string, unknown> = {};
for (const loss of [0, 0.2, 0.4]) {
  const network = await startDhtNetwork(60);
  network.setLoss(loss);
  const announcer = new Announcer(network.nodes[7], () => 9977, systemClock, new Logger("warn"));
  for (let i = 0; i < FILES; i++) announcer.add(crypto.getRandomValues(new Uint8Array(32)).toHex());
  const started = performance.now();
  announcer.start();
  while (announcer.announced + announcer.failed < FILES && performance.now() - started < 60_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  announcer.stop();
  await network.stop();
  const perSecond = +(announcer.announced / seconds).toFixed(2);
  cases[`loss_${loss * 100}%`] = {
    announced: announcer.announced,
    failed: announcer.failed,
    seconds: +seconds.toFixed(1),
    per_second: perSecond,
  };
  console.log(
    `loss ${String(loss * 100).padStart(2)}%: ${announcer.announced}/${FILES} announced in ${
      seconds.toFixed(1)
    } s = ${perSecond}/s (pacing cap 5/s)`,
  );
}
await writeResults("dht_announces", {
  files: FILES,
  nodes: 60,
  cases,
  target: "≥ 4/s at 20% loss",
});
Deno.exit(0);
