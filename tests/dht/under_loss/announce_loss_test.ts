/**
 * Announces keep their pace under loss: an announce is done once one node
 * stored the key, instead of waiting out every retransmission. Run alone
 * after the rest (see network_loss_test.ts): its figure is a rate.
 */

import assert from "node:assert/strict";
import { systemClock } from "../../../src/util/clock.ts";
import { Logger } from "../../../src/log/mod.ts";
import { Announcer } from "../../../src/peers/mod.ts";
import { startDhtNetwork } from "../../helpers/dht_network.ts";

Deno.test({
  name: "at 20% loss one node keeps announcing at least 3 files a second (the pacing allows 5)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using network = await startDhtNetwork(40);
    network.setLoss(0.2);
    const announcer = new Announcer(network.nodes[3], () => 9977, systemClock, new Logger("warn"));
    const files = 25;
    for (let i = 0; i < files; i++) {
      announcer.add(crypto.getRandomValues(new Uint8Array(32)).toHex());
    }
    const started = performance.now();
    announcer.start();
    while (announcer.announced + announcer.failed < files && performance.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    announcer.stop();
    const rate = announcer.announced / seconds;
    assert.equal(announcer.announced, files, `${announcer.failed} failed`);
    assert.ok(rate >= 3, `${rate.toFixed(2)} announces/s`);
  },
});
