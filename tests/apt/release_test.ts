import assert from "node:assert/strict";
import { parseRelease, ReleaseFormatError, stripClearsign } from "../../src/apt/release.ts";

const RELEASE = `Origin: Debian
Label: Debian
Suite: stable
Codename: bookworm
Acquire-By-Hash: yes
MD5Sum:
 0d1bcb28cd2b3f8f2ce4f0c8a0a3b4b5  1234 main/binary-amd64/Packages
 11111111111111111111111111111111   99 main/binary-amd64/Packages.xz
SHA256:
 ${"a".repeat(64)}  1234 main/binary-amd64/Packages
 ${"B".repeat(64)}    99 main/binary-amd64/Packages.xz
`;

Deno.test("parseRelease() reads the hash tables, preferring SHA256 and keeping the others", () => {
  const release = parseRelease(RELEASE);
  assert.equal(release.fields.get("codename"), "bookworm");
  assert.equal(release.fields.has("sha256"), false);
  assert.equal(release.acquireByHash, true);
  assert.deepEqual(release.files.get("main/binary-amd64/Packages.xz"), {
    size: 99,
    sha256: "b".repeat(64),
    md5: "11111111111111111111111111111111",
  });
});

Deno.test("stripClearsign() removes the OpenPGP framing and undoes dash-escaping", () => {
  const signed = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Origin: Test
- -----odd line
Suite: x
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEE
-----END PGP SIGNATURE-----
`;
  assert.equal(stripClearsign(signed), "Origin: Test\n-----odd line\nSuite: x\n");
  assert.equal(parseRelease(signed).fields.get("suite"), "x");
  assert.throws(
    () => stripClearsign("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nA: b\n"),
    ReleaseFormatError,
  );
});

Deno.test("parseRelease() rejects malformed hash lines and empty files", () => {
  assert.throws(() => parseRelease("SHA256:\n zz 12 a\n"), ReleaseFormatError);
  assert.throws(() => parseRelease(""), ReleaseFormatError);
});
