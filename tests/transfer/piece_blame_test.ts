import assert from "node:assert/strict";
import { culprits, shiftedSenders } from "../../src/transfer/piece_blame.ts";
import { PIECE_HASH_BYTES, type PieceList } from "../../src/hash/mod.ts";

Deno.test("the second round asks piece i of the sender of piece i-1, piece 0 of an unused peer", () => {
  assert.deepEqual(shiftedSenders(["a", "b", "c", "a"], ["a", "b", "c", "d"]), [
    "d",
    "a",
    "b",
    "c",
  ]);
  // No unused peer: piece 0 from the next one after its first sender.
  assert.deepEqual(shiftedSenders(["a", "b"], ["a", "b"]), ["b", "a"]);
  // One peer sent a run of pieces: never the same sender twice for a piece.
  const shifted = shiftedSenders(["a", "a", "a", "b"], ["a", "b", "c"]);
  assert.deepEqual(shifted, ["c", "b", "b", "a"]);
  for (const [i, s] of shifted.entries()) assert.notEqual(s, ["a", "a", "a", "b"][i]);
  // A lone peer is all there is.
  assert.deepEqual(shiftedSenders(["a", "a"], ["a"]), ["a", "a"]);
});

function listOf(...digests: number[]): PieceList {
  const pieces = new Uint8Array(digests.length * PIECE_HASH_BYTES);
  digests.forEach((d, i) => pieces.fill(d, i * PIECE_HASH_BYTES, (i + 1) * PIECE_HASH_BYTES));
  return { length: digests.length, pieceLength: 1, pieces };
}
const digest = (d: number) => new Uint8Array(PIECE_HASH_BYTES).fill(d);

Deno.test("culprits are the senders of pieces that differ from a verified copy, and only they", () => {
  const truth = listOf(1, 2, 3);
  const blamed = culprits([
    { sender: "a", index: 0, digest: digest(1) },
    { sender: "b", index: 1, digest: digest(9) }, // wrong
    { sender: "c", index: 2, digest: digest(3) },
    { sender: "a", index: 1, digest: digest(2) }, // the same piece, right, from the second round
    { sender: "b", index: 2, digest: digest(7) }, // wrong again
  ], truth);
  assert.deepEqual([...blamed], [["b", 2]]);
  assert.equal(culprits([], truth).size, 0);
});
