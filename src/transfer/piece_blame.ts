/**
 * Finding who sent a bad piece when a file fetched in pieces failed its
 * whole-file hash (so the piece list it matched was wrong). The file is
 * fetched again with every piece from another peer than before: piece i from
 * the peer that sent piece i−1, piece 0 from a peer not used yet where there
 * is one. Once a verified copy exists (the second round, or the mirror after
 * it), each round's pieces are compared with it and whoever sent a piece that
 * differs is blamed: on proof only, never on suspicion.
 *
 * @module
 */

import { PIECE_HASH_BYTES, pieceHashAt, type PieceList } from "../hash/mod.ts";

/** A piece someone sent, by what it hashed to. */
export interface PieceClaim<Sender = string> {
  readonly sender: Sender;
  readonly index: number;
  readonly digest: Uint8Array;
}

/**
 * Who to ask for each piece in the second round: never the sender of the
 * same piece in the first, where any other source exists.
 */
export function shiftedSenders<Sender>(
  senders: readonly Sender[],
  sources: readonly Sender[],
): Sender[] {
  const unused = sources.filter((s) => !senders.includes(s));
  return senders.map((sender, index) => {
    const previous = index === 0 ? unused[0] : senders[index - 1];
    if (previous !== undefined && previous !== sender) return previous;
    // The same peer sent both: the next source in order after it.
    const others = sources.filter((s) => s !== sender);
    if (others.length === 0) return sender;
    const after = sources.indexOf(sender);
    return others.find((s) => sources.indexOf(s) > after) ?? others[0];
  });
}

/** How many bad pieces each sender sent, measured against a verified copy's list. */
export function culprits<Sender>(
  claims: readonly PieceClaim<Sender>[],
  truth: PieceList,
): Map<Sender, number> {
  const count = truth.pieces.length / PIECE_HASH_BYTES;
  const blamed = new Map<Sender, number>();
  for (const { sender, index, digest } of claims) {
    if (index >= count) continue;
    const want = pieceHashAt(truth, index);
    if (digest.length === want.length && digest.every((b, i) => b === want[i])) continue;
    blamed.set(sender, (blamed.get(sender) ?? 0) + 1);
  }
  return blamed;
}

/** The pieces of one download that prove something only once a copy verified. */
export class PieceClaims<Sender> {
  #claims: PieceClaim<Sender>[] = [];

  add(claim: PieceClaim<Sender>): void {
    this.#claims.push(claim);
  }

  get size(): number {
    return this.#claims.length;
  }

  /** Who sent pieces that differ from a verified copy's list, and how many; the claims are then settled. */
  settle(truth: PieceList): Map<Sender, number> {
    const blamed = culprits(this.#claims, truth);
    this.#claims = [];
    return blamed;
  }
}
