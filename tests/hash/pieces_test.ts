import assert from "node:assert/strict";
import {
  decodePieceList,
  encodePieceList,
  PIECE_BYTES,
  pieceCount,
  pieceDigest,
  pieceHashAt,
  PieceListError,
} from "../../src/hash/mod.ts";
import { PieceHasher } from "../../src/hash/pieces.ts";
import { bytes } from "../helpers/archive.ts";

Deno.test("PieceHasher gives each 512 KiB piece's SHA-1, however the stream is cut", () => {
  const data = bytes(PIECE_BYTES * 2 + 1234, 4);
  for (const chunk of [1000, 65536, PIECE_BYTES, data.length]) {
    const hasher = new PieceHasher();
    for (let i = 0; i < data.length; i += chunk) hasher.update(data.subarray(i, i + chunk));
    const list = hasher.finish(data.length);
    assert.equal(pieceCount(data.length), 3);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(
        pieceHashAt(list, i),
        pieceDigest(data.subarray(i * PIECE_BYTES, (i + 1) * PIECE_BYTES)),
      );
    }
  }
});

Deno.test("piece lists round-trip through bencode and are checked against the expected length", () => {
  const data = bytes(PIECE_BYTES + 10, 5);
  const hasher = new PieceHasher();
  hasher.update(data);
  const list = hasher.finish(data.length);
  const encoded = encodePieceList(list);
  assert.deepEqual(decodePieceList(encoded, data.length), list);
  assert.throws(() => decodePieceList(encoded, data.length + 1), PieceListError);
  assert.throws(
    () => decodePieceList(new TextEncoder().encode("garbage"), data.length),
    PieceListError,
  );
  const short = encodePieceList({ ...list, pieces: list.pieces.subarray(0, 20) });
  assert.throws(() => decodePieceList(short, data.length), /number of piece digests/);
  // Two 512 KiB pieces plus framing fit in a BEP 44 item; a 24 MiB file would not.
  assert.ok(encoded.length < 1000);
});

Deno.test("decodePieceList() refuses hostile bencode at once (a peer can name the hash of d-3: and serve it)", () => {
  /** A binary string (one char per byte) as bytes. */
  const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const valid = String.fromCharCode(
    ...encodePieceList({ length: 10, pieceLength: PIECE_BYTES, pieces: new Uint8Array(20) }),
  );
  const hostile = [
    "d-3:",
    "l-3:",
    "d-04:",
    "d-9999999999:",
    valid.replace("6:pieces20:", "6:pieces-20:"),
    valid.replace("4:hash", "-4:hash"),
    `d4:hashl${"l".repeat(100)}`,
  ];
  for (const input of hostile) {
    const started = performance.now();
    assert.throws(() => decodePieceList(text(input), 10), (error: unknown) => {
      assert.ok(error instanceof PieceListError, String(error));
      assert.match(error.message, /not bencode: /);
      return true;
    }, input);
    assert.ok(performance.now() - started < 50, `${input}: ${performance.now() - started} ms`);
  }
  assert.equal(decodePieceList(text(valid), 10).length, 10);
});
