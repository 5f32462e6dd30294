import assert from "node:assert/strict";
import { jsonMembers, JsonMembersError } from "../../src/privacy/json_members.ts";

async function members(chunks: string[]): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  async function* text() {
    yield* chunks;
  }
  for await (const member of jsonMembers(text())) out.push(member);
  return out;
}

Deno.test("jsonMembers() yields each member of an object cut anywhere into chunks", async () => {
  const value = {
    "openssl": {
      "CVE-1": { releases: { bookworm: { status: "resolved", fixed_version: "3.0" } } },
    },
    'we"ird,}{': ["a", "]", { b: '}\\",' }],
    "n": 1,
    "e": {},
  };
  const text = JSON.stringify(value, null, 1);
  // Seeded cuts, so a failure can be replayed.
  let seed = 7;
  for (let round = 0; round < 50; round++) {
    const chunks: string[] = [];
    for (let at = 0; at < text.length;) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const size = 1 + (seed % 17);
      chunks.push(text.slice(at, at + size));
      at += size;
    }
    assert.deepEqual(Object.fromEntries(await members(chunks)), value);
  }
  assert.deepEqual(await members(["{ }"]), []);
});

Deno.test("jsonMembers() refuses what is not one whole object", async () => {
  for (const bad of ['["a"]', '{"a": 1', '{"a" 1}', '{"a": [1}', '{"a": 1} x', '{"a": nope}']) {
    await assert.rejects(() => members([bad]), JsonMembersError, bad);
  }
});
