import assert from "node:assert/strict";
import { signatureDhtKey, SignatureHasher } from "../../src/hash/mod.ts";
import { readKeyring } from "../../src/trust/keyring.ts";
import { testSigner } from "../helpers/signing.ts";

const RELEASE = new TextEncoder().encode("Origin: Test\nSuite: stable\n".repeat(500));

Deno.test("the signature hasher verifies streamed bytes against a detached signature, not by comparison", async () => {
  const signer = await testSigner();
  const keys = await readKeyring(await Deno.readFile(signer.keyring));
  const signature = await signer.detachSign(RELEASE);
  const hasher = new SignatureHasher(signature, () => Promise.resolve(keys));
  for (let i = 0; i < RELEASE.length; i += 1000) hasher.update(RELEASE.subarray(i, i + 1000));
  assert.deepEqual(hasher.digest(), signature);
  assert.equal(hasher.hexdigest().length, signature.length * 2);
  assert.deepEqual(await hasher.verify(), { ok: true, signer: signer.keyId });

  const changed = RELEASE.slice();
  changed[7] ^= 1;
  const wrong = new SignatureHasher(signature, () => Promise.resolve(keys)).update(changed);
  assert.equal((await wrong.verify()).ok, false);
  const untrusted = new SignatureHasher(signature, () => Promise.resolve([])).update(RELEASE);
  assert.equal((await untrusted.verify()).ok, false);
});

Deno.test("signatures of any length work, and their DHT key comes from the tail", async () => {
  const signer = await testSigner();
  const keys = await readKeyring(await Deno.readFile(signer.keyring));
  const a = await signer.detachSign(RELEASE);
  const b = await signer.detachSign(RELEASE.subarray(1));
  // Signatures of one key share their head (after the packet's tag and length, which varies with
  // the MPIs' leading zeros): the key must not.
  assert.deepEqual(a.subarray(2, 10), b.subarray(2, 10));
  assert.notDeepEqual(signatureDhtKey(a), signatureDhtKey(b));
  assert.equal(signatureDhtKey(a).length, 20);
  assert.deepEqual(signatureDhtKey(a), a.slice().reverse().subarray(0, 20));
  // ed25519 signatures vary in length with their MPIs' leading zeros; the hasher does not care.
  const lengths = new Set<number>();
  for (let i = 0; i < 40 && lengths.size < 2; i++) {
    const data = RELEASE.subarray(0, 1000 + i);
    const signature = await signer.detachSign(data);
    lengths.add(signature.length);
    const hasher = new SignatureHasher(signature, () => Promise.resolve(keys)).update(data);
    assert.ok((await hasher.verify()).ok, `length ${signature.length}`);
  }
  // An armored Release.gpg is read too.
  const armored = new TextEncoder().encode(
    "-----BEGIN PGP SIGNATURE-----\n\n" + btoa(String.fromCharCode(...a)) +
      "\n-----END PGP SIGNATURE-----\n",
  );
  const fromArmored = await SignatureHasher.from(armored, () => Promise.resolve(keys));
  assert.deepEqual(fromArmored.digest(), a);
});
