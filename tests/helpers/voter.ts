/**
 * A voter with its own Ed25519 key, signing votes about peers the way a
 * daemon does (tests of the stores, readers and floods).
 */

import type { NodeId } from "../../src/dht/mod.ts";
import type { Vote } from "../../src/dht/krpc/messages.ts";
import { signedPart } from "../../src/dht/vote.ts";

/** Makes a key; returns a function that signs a vote against `accused` (at `atMs`, default now). */
export async function voter(): Promise<(accused: NodeId, atMs?: number) => Promise<Vote>> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const key = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return async (accused, atMs = Date.now()) => {
    const fields = {
      accused,
      peer: { address: "10.9.8.7", port: 9977 },
      at: Math.floor(atMs / 1000),
      key,
    };
    const data = Uint8Array.from(signedPart(fields));
    const sig = new Uint8Array(
      await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, data),
    );
    return { ...fields, sig };
  };
}
