/**
 * Dead nodes are forgotten: a query that went unanswered past the stale
 * mark counts against its node even when the lookup ended first (at once
 * if it was silent a second, else at its own timeout), so lookups stop
 * waiting on nodes that are gone.
 */

import assert from "node:assert/strict";
import { startDhtNetwork } from "../helpers/dht_network.ts";

Deno.test({
  name: "after a third of the network dies, lookups mark the dead in the searcher's table",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(40);
    const [searcher, ...others] = network.nodes;
    const dead = others.filter((_, i) => i % 3 === 0);
    const deadAddresses = new Set(dead.map((n) => n.local.address));
    await Promise.all(dead.map((n) => n.stop()));
    const deadInTable = () => searcher.table.all().filter((e) => deadAddresses.has(e.address));
    const before = deadInTable().length;
    assert.ok(before >= 3, `the searcher knew ${before} of the dead`);
    // Lookups toward where the dead were: each dead node is among the closest, asked, and silent.
    await Promise.all(dead.map((n) => searcher.findNode(n.id)));
    // A query silent for less than a second when its lookup ended goes on to its own timeout
    // (2 + 4 + 8 s): then the node is marked (or gone from the table).
    const unmarked = () => deadInTable().filter((e) => e.failures === 0).length;
    const until = performance.now() + 20_000;
    while (unmarked() > 1 && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const marked = searcher.table.all().filter((e) =>
      deadAddresses.has(e.address) && e.failures > 0
    )
      .length;
    const left = unmarked();
    console.log(
      `dead in the table: ${before} before, ${left} unmarked after ${dead.length} lookups (${marked} marked)`,
    );
    assert.ok(left <= 1, `${left} of ${before} dead nodes still look healthy`);
  },
});
