import assert from "node:assert/strict";
import { readReleaseSignature, signatureTargetOf } from "../../src/server/signed_release.ts";
import { readKeyring } from "../../src/trust/keyring.ts";
import { testSigner } from "../helpers/signing.ts";

const RELEASE = new TextEncoder().encode("Origin: Test\nSuite: stable\n".repeat(40));

Deno.test("a Release.gpg, armored or binary, names one DHT key and verifies whole Release files", async () => {
  const signer = await testSigner();
  const keys = await readKeyring(await Deno.readFile(signer.keyring));
  const binary = await signer.detachSign(RELEASE);
  const armored = new TextEncoder().encode(
    "-----BEGIN PGP SIGNATURE-----\n\n" + btoa(String.fromCharCode(...binary)) +
      "\n-----END PGP SIGNATURE-----\n",
  );
  const fromBinary = await readReleaseSignature(binary, () => Promise.resolve(keys));
  const fromArmored = await readReleaseSignature(armored, () => Promise.resolve(keys));
  assert.ok(fromBinary && fromArmored);
  assert.match(fromBinary.key, /^[0-9a-f]{40}$/);
  assert.equal(fromArmored.key, fromBinary.key);

  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/Release`, RELEASE);
    assert.ok((await fromArmored.verifyFile(`${dir}/Release`)).ok);
    const stale = RELEASE.slice();
    stale[stale.length - 2] ^= 1;
    await Deno.writeFile(`${dir}/Stale`, stale);
    assert.equal((await fromArmored.verifyFile(`${dir}/Stale`)).ok, false);
    const untrusted = await readReleaseSignature(binary, () => Promise.resolve([]));
    assert.equal((await untrusted!.verifyFile(`${dir}/Release`)).ok, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const garbage = new TextEncoder().encode("<html>not a signature</html>");
  assert.equal(await readReleaseSignature(garbage, () => Promise.resolve(keys)), undefined);
});

Deno.test("the Release.gpg of a Release comes from the same upstreams", () => {
  const target = signatureTargetOf({
    kind: "archive",
    mode: "alias",
    key: "debian/dists/stable/Release",
    upstreams: ["http://a.example/debian/dists/stable/Release", "http://b/dists/stable/Release"],
  });
  assert.equal(target.key, "debian/dists/stable/Release.gpg");
  assert.deepEqual(target.upstreams, [
    "http://a.example/debian/dists/stable/Release.gpg",
    "http://b/dists/stable/Release.gpg",
  ]);
});
