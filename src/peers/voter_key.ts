/**
 * This daemon's voting key: an Ed25519 key pair (WebCrypto), made once and
 * kept in the database, so the votes it publishes across restarts are one
 * voter's and count once.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** Signs votes. */
export interface VoteSigner {
  /** The public key (32 bytes). */
  readonly publicKey: Uint8Array;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const NAME = "vote_key";

/** The daemon's voting key, made and saved on first use. */
export async function loadVoterKey(db: DatabaseSync): Promise<VoteSigner> {
  const row = db.prepare("SELECT state FROM dht_state WHERE name = ?").get(NAME) as
    | { state: string }
    | undefined;
  let privateKey: CryptoKey | undefined;
  let publicKey: Uint8Array | undefined;
  if (row) {
    try {
      const saved = JSON.parse(row.state) as { pkcs8: string; raw: string };
      privateKey = await crypto.subtle.importKey(
        "pkcs8",
        Uint8Array.fromBase64(saved.pkcs8),
        { name: "Ed25519" },
        false,
        ["sign"],
      );
      publicKey = Uint8Array.fromBase64(saved.raw);
    } catch {
      privateKey = undefined; // unreadable: a new key (our old votes expire within a day)
    }
  }
  if (!privateKey || publicKey?.length !== 32) {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    privateKey = pair.privateKey;
    publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
    db.prepare("INSERT OR REPLACE INTO dht_state (name, state) VALUES (?, ?)").run(
      NAME,
      JSON.stringify({ pkcs8: pkcs8.toBase64(), raw: publicKey.toBase64() }),
    );
  }
  const key = privateKey;
  return {
    publicKey: publicKey!,
    sign: async (data) =>
      new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, Uint8Array.from(data))),
  };
}
