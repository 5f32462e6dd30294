/**
 * Votes about peers that sent wrong data: where they are stored, what is
 * signed, and which count. A vote is kept under NOT(the accused's node id):
 * BEP 42 ties a node id's first bits to its address, so the accused cannot
 * pick an id near its own reputation and be asked for it.
 *
 * @module
 */

import { encodeBencode } from "../bencode/mod.ts";
import { concatBytes } from "../util/concat_bytes.ts";
import { VOTE_CLOCK_SKEW_MS, VOTE_LIFETIME_MS } from "./constants.ts";
import { encodeVote } from "./krpc/codec.ts";
import type { Vote } from "./krpc/messages.ts";
import type { NodeId } from "./node_id.ts";

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

/** Whether the vote's signature is its key's over its fields (Ed25519, WebCrypto). */
export async function verifyVote(vote: Vote): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey(
      "raw",
      Uint8Array.from(vote.key),
      { name: "Ed25519" },
      false,
      [
        "verify",
      ],
    );
    return await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      Uint8Array.from(vote.sig),
      Uint8Array.from(signedPart(vote)),
    );
  } catch {
    return false; // not a valid Ed25519 public key
  }
}

/** Whether a vote still counts at `now` (ms): within its lifetime, and not from the future. */
export function voteIsCurrent(vote: Vote, now: number): boolean {
  const at = vote.at * 1000;
  return at <= now + VOTE_CLOCK_SKEW_MS && now - at < VOTE_LIFETIME_MS;
}
