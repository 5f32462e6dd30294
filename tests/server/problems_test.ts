import assert from "node:assert/strict";
import { diskFullProblem, Problems } from "../../src/server/mod.ts";

Deno.test("Problems keeps the first report of a kind until it clears", () => {
  const problems = new Problems();
  const first = diskFullProblem("/var/cache/apt-dht", new Error("ENOSPC"), 1);
  assert.equal(problems.raise("disk-full", first), true);
  assert.equal(problems.raise("disk-full", diskFullProblem("/x", new Error("again"), 2)), false);
  assert.deepEqual(problems.all(), [first]);
  assert.match(first.detail, /\/var\/cache\/apt-dht.*ENOSPC/);
  problems.clear("disk-full");
  assert.deepEqual(problems.all(), []);
});
