/**
 * A throw-away OpenPGP archive key for tests, made in-process with openpgp
 * (fast, no gpg-agent): signs Release files both ways apt knows, and its
 * public key is written to a keyring file a daemon can be told to trust.
 */

import * as openpgp from "openpgp";

export interface TestSigner {
  /** Path of the binary public keyring. */
  readonly keyring: string;
  /** Path of the same key, armored. */
  readonly armoredKeyring: string;
  readonly keyId: string;
  /** An InRelease: the text, clearsigned. */
  clearsign(text: string): Promise<string>;
  /** A Release.gpg: a detached binary signature of the bytes. */
  detachSign(data: Uint8Array): Promise<Uint8Array>;
}

const signers = new Map<string, Promise<TestSigner>>();

/** The signer named `name` (one key per name per process). */
export function testSigner(name = "archive"): Promise<TestSigner> {
  let signer = signers.get(name);
  if (!signer) signers.set(name, signer = makeSigner(name));
  return signer;
}

async function makeSigner(name: string): Promise<TestSigner> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: "ecc",
    curve: "ed25519Legacy",
    userIDs: [{ name: `apt-dht test ${name}`, email: `${name}@invalid` }],
    format: "object",
  });
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-key-" });
  const keyring = `${dir}/${name}.gpg`;
  const armoredKeyring = `${dir}/${name}.asc`;
  await Deno.writeFile(keyring, publicKey.write() as Uint8Array);
  await Deno.writeTextFile(armoredKeyring, publicKey.armor());
  return {
    keyring,
    armoredKeyring,
    keyId: privateKey.getKeyID().toHex(),
    async clearsign(text) {
      const message = await openpgp.createCleartextMessage({ text });
      return await openpgp.sign({ message, signingKeys: privateKey });
    },
    async detachSign(data) {
      const message = await openpgp.createMessage({ binary: data });
      return await openpgp.sign({
        message,
        signingKeys: privateKey,
        detached: true,
        format: "binary",
      }) as Uint8Array;
    },
  };
}
