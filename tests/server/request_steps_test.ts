/**
 * At `log.level = "debug"` a request's way is in the log, step by step: the
 * index lookup, the source decided and why, the DHT lookup and the peers it
 * found, the plan, each source tried, the one that delivered.
 */

import assert from "node:assert/strict";
import { get, POOL, readIndexes, seededDaemon, startPeerWorld } from "../helpers/peer_world.ts";
import { assertBytes } from "../helpers/bytes_assert.ts";

Deno.test({
  name:
    "debug lines follow a file from the lookup through the peers found to the source that delivered",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using world = await startPeerWorld(80_000, 43);
    const a = await seededDaemon(world);
    const b = await world.daemon(); // test daemons log at debug
    await readIndexes(b, world.archive);
    const got = await get(b.base, world.archive, POOL);
    assertBytes(got.body, world.data);
    assert.equal(got.source, "peer");
    await b.pipeline.idle();

    const key = `${world.archive}/${POOL}`;
    const steps = b.logLines.filter((line) =>
      line.includes(`key=${key}`) || /request\.peers /.test(line)
    );
    if (Deno.env.get("SHOW_STEPS")) console.log(steps.join("\n"));
    const order = [
      /DEBUG request\.lookup .*listed=true hash=sha256 sha256=[0-9a-f]{64} trusted=true size=80000/,
      /DEBUG request\.source .*source=download why="new: peers looked up" peers=asked/,
      new RegExp(`DEBUG request\\.peers .*found=1 peers=127\\.0\\.0\\.1:${a.port}`),
      /DEBUG download\.plan .*peers=1/,
      new RegExp(`DEBUG download\\.try .*upstream=http://127\\.0\\.0\\.1:${a.port}/.* peer=true`),
      new RegExp(
        `DEBUG download\\.delivered .*upstream=http://127\\.0\\.0\\.1:${a.port}/.* peer=true bytes=80000`,
      ),
    ];
    let at = 0;
    for (const pattern of order) {
      const found = steps.findIndex((line, i) => i >= at && pattern.test(line));
      assert.ok(found >= 0, `${pattern} after line ${at} of:\n${steps.join("\n")}`);
      at = found + 1;
    }

    // Again: the cache, and why.
    await get(b.base, world.archive, POOL);
    assert.ok(
      b.logLines.some((l) => l.includes(`key=${key}`) && /request\.cached .*verdict=serve/.test(l)),
      b.logLines.filter((l) => l.includes("request.")).join("\n"),
    );
  },
});
