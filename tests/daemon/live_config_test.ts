import assert from "node:assert/strict";
import { defaultConfig, validateLayer } from "../../src/config/schema.ts";
import { mergeLayers } from "../../src/config/merge.ts";
import { LiveConfig } from "../../src/daemon/live_config.ts";

const config = (toml: Record<string, unknown>) =>
  mergeLayers(defaultConfig({ uid: 1000, home: "/home/u" }), [validateLayer(toml, "test")]);

Deno.test("LiveConfig.replace() tells subscribers and sorts the changes into applied and restart", () => {
  const before = config({ cache: { max_size: "1G" } });
  const after = config({ cache: { max_size: "2G" }, server: { port: 9978 } });
  const live = new LiveConfig(before);
  const seen: unknown[] = [];
  const off = live.subscribe((next) => seen.push(next));
  assert.deepEqual(live.replace(after), { applied: ["cache.max_size"], restart: ["server.port"] });
  assert.equal(live.current, after);
  assert.deepEqual(seen, [after]);
  off();
  live.replace(before);
  assert.equal(seen.length, 1);
});
