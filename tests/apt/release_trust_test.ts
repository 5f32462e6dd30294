import assert from "node:assert/strict";
import { ReleaseTrust } from "../../src/apt/release_trust.ts";
import { openDatabase } from "../../src/db/mod.ts";
import { newHasher, signatureDhtKey } from "../../src/hash/mod.ts";
import { idToHex } from "../../src/dht/node_id.ts";
import { TrustedKeys } from "../../src/trust/mod.ts";
import { testSigner } from "../helpers/signing.ts";

const RELEASE = new TextEncoder().encode("Origin: Test\nSuite: stable\n");

Deno.test("a Release that verifies against its Release.gpg is kept by the signature's DHT key", async () => {
  const archive = await testSigner("archive");
  const rogue = await testSigner("rogue");
  const db = openDatabase(":memory:");
  const told: string[] = [];
  const keys = new TrustedKeys({ apt: false, extra: [archive.keyring] });
  const trust = new ReleaseTrust(db, keys, Date.now, (key) => told.push(key));

  const signature = await archive.detachSign(RELEASE);
  assert.equal(await trust.checkDetached("m/dists/a/Release", RELEASE, signature), true);
  const key = idToHex(signatureDhtKey(signature));
  assert.deepEqual(told, [key]);
  assert.equal(trust.signedSha256(key), newHasher("sha256").update(RELEASE).hexdigest());
  assert.equal(trust.signedSha256(key.toUpperCase()), trust.signedSha256(key));

  // Signed by a key apt does not trust, or over other bytes: not trusted, not kept.
  const byRogue = await rogue.detachSign(RELEASE);
  assert.equal(await trust.checkDetached("m/dists/b/Release", RELEASE, byRogue), false);
  const changed = RELEASE.slice();
  changed[0] ^= 1;
  assert.equal(await trust.checkDetached("m/dists/c/Release", changed, signature), false);
  assert.equal(await trust.checkDetached("m/dists/d/Release", RELEASE, undefined), false);
  assert.equal(trust.signedSha256(idToHex(signatureDhtKey(byRogue))), undefined);
  assert.deepEqual(told, [key]);

  // It is in the database: a restarted daemon announces it again.
  const again = new ReleaseTrust(db, undefined);
  assert.deepEqual(again.signedReleases(), [{ key, sha256: trust.signedSha256(key) }]);
  assert.ok(again.trusted("m/dists/a/Release"));
  assert.equal(again.trusted("m/dists/b/Release"), false);
  db.close();
});
