import assert from "node:assert/strict";
import { TrustedKeys, verifyClearsigned } from "../../src/trust/mod.ts";
import { keyringFiles, readKeyring } from "../../src/trust/keyring.ts";
import { verifyDetached } from "../../src/trust/signatures.ts";
import { testSigner } from "../helpers/signing.ts";
import { gpgIn, run } from "../helpers/debian_repo.ts";

const RELEASE = "Origin: Test\nSuite: stable\nSHA256:\n " + "ab".repeat(32) + " 12 main/Packages\n";
const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("an InRelease verifies with its key, gives only the signed text, and fails with any other key", async () => {
  const archive = await testSigner("archive");
  const rogue = await testSigner("rogue");
  const keys = await readKeyring(await Deno.readFile(archive.keyring));
  const signed = await archive.clearsign(RELEASE);
  const good = await verifyClearsigned(signed, keys);
  assert.ok(good.ok);
  assert.equal(good.text, RELEASE);
  assert.equal(good.signer, archive.keyId);

  const byRogue = await verifyClearsigned(await rogue.clearsign(RELEASE), keys);
  assert.equal(byRogue.ok, false);

  // One changed hash line: the signature no longer covers it.
  const tampered = signed.replace("ab".repeat(32), "cd".repeat(32));
  assert.equal((await verifyClearsigned(tampered, keys)).ok, false);
  // Text outside the signed block is not "signed text".
  const smuggled = "SHA256:\n " + "ee".repeat(32) + " 1 evil\n" + signed;
  const verdict = await verifyClearsigned(smuggled, keys);
  assert.ok(!verdict.ok || !verdict.text.includes("evil"));
  assert.equal((await verifyClearsigned("Origin: x\n", keys)).ok, false, "unsigned");
  assert.equal((await verifyClearsigned(signed, [])).ok, false, "no keys, no trust");
});

Deno.test("a detached signature verifies over the exact bytes, binary or armored keyring", async () => {
  const archive = await testSigner("archive");
  const signature = await archive.detachSign(bytes(RELEASE));
  for (const path of [archive.keyring, archive.armoredKeyring]) {
    const keys = await readKeyring(await Deno.readFile(path));
    assert.equal(keys.length, 1);
    assert.ok((await verifyDetached(bytes(RELEASE), signature, keys)).ok, path);
    const other = await verifyDetached(bytes(RELEASE + " "), signature, keys);
    assert.equal(other.ok, false);
  }
  const garbage = await verifyDetached(bytes(RELEASE), bytes("not a signature"), []);
  assert.equal(garbage.ok, false);
  assert.match((garbage as { reason: string }).reason, /not an OpenPGP signature/);
});

Deno.test("signatures made by gpg itself (RSA and ed25519) verify against gpg-exported keyrings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-gpg-" });
  try {
    const home = `${dir}/home`;
    await Deno.mkdir(home, { mode: 0o700 });
    const gpg = gpgIn(home);
    await Deno.writeTextFile(`${dir}/Release`, RELEASE);
    for (const [uid, algo] of [["rsa@invalid", "rsa3072"], ["ed@invalid", "ed25519"]]) {
      await gpg("--quick-generate-key", `k <${uid}>`, algo, "sign", "never");
      await gpg("-u", uid, "--clearsign", "-o", `${dir}/${algo}.InRelease`, `${dir}/Release`);
      await gpg(
        "-u",
        uid,
        "--armor",
        "--detach-sign",
        "-o",
        `${dir}/${algo}.gpg`,
        `${dir}/Release`,
      );
      await gpg("--armor", "--export", "-o", `${dir}/${algo}.asc`, uid);
    }
    await gpg("--export", "-o", `${dir}/both.gpg`);
    await run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]).catch(() => {});
    const both = await readKeyring(await Deno.readFile(`${dir}/both.gpg`));
    assert.equal(both.length, 2);
    for (const algo of ["rsa3072", "ed25519"]) {
      const clear = await verifyClearsigned(
        await Deno.readTextFile(`${dir}/${algo}.InRelease`),
        both,
      );
      assert.ok(clear.ok, `${algo}: ${JSON.stringify(clear)}`);
      assert.equal(clear.text, RELEASE);
      const detached = await verifyDetached(
        await Deno.readFile(`${dir}/Release`),
        await Deno.readFile(`${dir}/${algo}.gpg`), // armored: apt accepts both
        await readKeyring(await Deno.readFile(`${dir}/${algo}.asc`)),
      );
      assert.ok(detached.ok, algo);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keyrings are found the way apt finds them; a broken one is skipped and reported", async () => {
  const archive = await testSigner("archive");
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-keyrings-" });
  try {
    await Deno.mkdir(`${dir}/trusted.gpg.d`);
    await Deno.copyFile(archive.keyring, `${dir}/trusted.gpg.d/b.gpg`);
    await Deno.copyFile(archive.armoredKeyring, `${dir}/trusted.gpg.d/a.asc`);
    await Deno.writeTextFile(`${dir}/trusted.gpg.d/notes.txt`, "not a keyring");
    await Deno.copyFile(archive.keyring, `${dir}/trusted.gpg.d/debian-archive-removed-keys.gpg`);
    await Deno.writeTextFile(`${dir}/trusted.gpg.d/broken.gpg`, "garbage");
    const files = await keyringFiles([`${dir}/missing.gpg`, `${dir}/trusted.gpg.d`]);
    assert.deepEqual(files.map((f) => f.slice(dir.length)), [
      "/trusted.gpg.d/a.asc",
      "/trusted.gpg.d/b.gpg",
      "/trusted.gpg.d/broken.gpg",
    ]);
    const trusted = new TrustedKeys({ apt: false, extra: files });
    assert.equal((await trusted.keys()).length, 2);
    const broken = trusted.sources.find((s) => s.path.endsWith("broken.gpg"));
    assert.ok(broken?.error, "the broken keyring is reported");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
