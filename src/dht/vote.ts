/**
 * Votes about peers that sent wrong data: where they are stored, what is
 * signed, and which count. A vote is kept under NOT(the accused's node id):
 * BEP 42 ties a node id's first bits to its address, so the accused cannot
 * pick an id near its own reputation and be asked for it.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { encodeBencode } from "../bencode/mod.ts";
import { concatBytes } from "../util/concat_bytes.ts";
import { VOTE_CLOCK_SKEW_MS, VOTE_LIFETIME_MS } from "./constants.ts";
import { encodeVote } from "./krpc/codec.ts";
import type { Vote } from "./krpc/messages.ts";
import { idToHex, type NodeId } from "./node_id.ts";

/** What a signature covers besides the vote: a signature made for anything else never verifies. */
const CONTEXT = new TextEncoder().encode("apt-dht bad-data vote 1\n");

/** Where the votes about a node are stored: its id with every bit flipped. */
export function voteTarget(accused: NodeId): NodeId {
  return accused.map((byte) => ~byte & 0xff);
}

/** The bytes a vote's signature is over. */
export function signedPart(vote: Omit<Vote, "sig">): Uint8Array {
  return concatBytes([CONTEXT, encodeBencode(encodeVote({ ...vote, sig: undefined }))]);
}

/** The DER prefix that makes a raw Ed25519 public key an SPKI one (RFC 8410). */
const SPKI_PREFIX = Uint8Array.from(Buffer.from("302a300506032b6570032100", "hex"));

/** Voters' keys, parsed once: a voter's votes are checked by every store and reader. */
const KEYS_REMEMBERED = 1024;
const keys = new Map<string, KeyObject>();

function publicKeyOf(raw: Uint8Array): KeyObject {
  const hex = idToHex(raw);
  let key = keys.get(hex);
  if (!key) {
    key = createPublicKey({
      key: Buffer.from(concatBytes([SPKI_PREFIX, raw])),
      format: "der",
      type: "spki",
    });
    if (keys.size >= KEYS_REMEMBERED) keys.delete(keys.keys().next().value!);
  } else keys.delete(hex); // re-inserted: Map order is the age the oldest is forgotten by
  keys.set(hex, key);
  return key;
}

/**
 * Whether the vote's signature is its key's over its fields (Ed25519). With
 * node:crypto, at once: WebCrypto took twice as long per check and its RSS
 * kept growing under a flood of them (+134 MiB for 100,000 checks, against
 * +22 MiB; keys are made and votes signed with WebCrypto, which is rare).
 */
export function verifyVote(vote: Vote): boolean {
  try {
    return verify(null, signedPart(vote), publicKeyOf(vote.key), vote.sig);
  } catch {
    return false; // not a valid Ed25519 public key
  }
}

/** Whether a vote still counts at `now` (ms): within its lifetime, and not from the future. */
export function voteIsCurrent(vote: Vote, now: number): boolean {
  const at = vote.at * 1000;
  return at <= now + VOTE_CLOCK_SKEW_MS && now - at < VOTE_LIFETIME_MS;
}
