/**
 * The strict decoder: the inputs that froze the daemon through npm
 * `bencode` fail at once with a reason; everything it accepts re-encodes
 * to the same bytes (a seeded property test over random and mutated
 * input); and its time stays linear in the input.
 */

import assert from "node:assert/strict";
import bencode from "bencode";
import {
  Bencoded,
  type BencodeValue,
  decodeBencode,
  encodeBencode,
} from "../../src/bencode/mod.ts";
import { BencodeError } from "../../src/bencode/decode.ts";
import { seededRandom } from "../helpers/seeded_random.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261205);

function rejects(input: string | Uint8Array, reason: RegExp) {
  const data = typeof input === "string" ? bytes(input) : input;
  const started = performance.now();
  assert.throws(() => decodeBencode(data), (error: unknown) => {
    assert.ok(error instanceof BencodeError, String(error));
    assert.match(error.message, reason);
    return true;
  }, String(input));
  assert.ok(performance.now() - started < 50, `${input} took ${performance.now() - started} ms`);
}

Deno.test("decodeBencode() refuses the inputs that froze the daemon, at once and with a reason", () => {
  rejects("d-3:", /string length with a sign at byte 1/);
  rejects("l-3:", /string length with a sign at byte 1/);
  rejects("d-04:", /sign/);
  rejects("d-9999999999:", /sign/);
  rejects("l+3:abc", /sign/);
  rejects("d1:ad-3:ee", /sign/);
  // A negative length inside a query that looks valid up to there.
  rejects("d1:ad2:id-20:aaaaaaaaaaaaaaaaaaaae1:q4:ping1:t2:aa1:y1:qe", /sign at byte 9/);
  rejects("9999999999:x", /9999999999 bytes with 1 left/);
  rejects("99999999999:x", /too many digits/);
  rejects(`${"1".repeat(100_000)}:`, /too many digits/);
});

Deno.test("decodeBencode() accepts only the canonical encoding", () => {
  rejects("", /ends where a value was expected/);
  rejects("04:abcd", /leading zero/);
  rejects("4abcd", /":" expected/);
  rejects("5:abcd", /5 bytes with 4 left/);
  rejects("i03e", /leading zero/);
  rejects("i-0e", /-0/);
  rejects("ie", /no digits/);
  rejects("i-e", /no digits/);
  rejects("i1", /ends where an integer's "e"/);
  rejects("i1.5e", /"e" expected/);
  rejects("i12345678901234567e", /too many digits/);
  rejects("i9007199254740992e", /out of range/);
  rejects("l", /list's "e"/);
  rejects("li1e", /list's "e"/);
  rejects("d", /dictionary's "e"/);
  rejects("di1ei2ee", /string expected/);
  rejects("d1:b0:1:a0:e", /out of order at byte 6/);
  rejects("d1:a0:1:a0:e", /key twice/);
  rejects("i1ei2e", /3 bytes after the value at byte 3/);
  rejects("0:x", /1 bytes after/);
  rejects("x", /unexpected "x"/);
  rejects("e", /unexpected "e"/);
  rejects(`${"l".repeat(65)}${"e".repeat(65)}`, /nested deeper than 64/);
  rejects(`${"l".repeat(100_000)}`, /nested deeper than 64/);
  assert.throws(() => decodeBencode(bytes("llee"), { maxDepth: 1 }), /deeper than 1/);
  assert.throws(
    () => decodeBencode(bytes("li1ei2ee"), { maxItems: 2 }),
    /more than 2 items at byte 4/,
  );
  assert.deepEqual(decodeBencode(bytes("li1ei2ee"), { maxItems: 3 }), [1, 2]);

  assert.equal(decodeBencode(bytes("i0e")), 0);
  assert.equal(decodeBencode(bytes("i-42e")), -42);
  assert.equal(decodeBencode(bytes("i9007199254740991e")), Number.MAX_SAFE_INTEGER);
  assert.deepEqual(decodeBencode(bytes("0:")), new Uint8Array(0));
  assert.deepEqual(decodeBencode(bytes("l4:spami7ee")), [bytes("spam"), 7]);
  const dict = decodeBencode(bytes("d0:i1e9:__proto__i5e1:ai2e2:aai3e1:bi4ee"));
  assert.deepEqual(Object.entries(dict), [["", 1], ["__proto__", 5], ["a", 2], ["aa", 3], [
    "b",
    4,
  ]]);
  assert.equal(Object.getPrototypeOf(dict), null);
  // Keys are bytes: 0xff sorts after "z" and comes back as one Latin-1 character.
  const binary = Uint8Array.of(...bytes("d1:zi1e1:"), 0xff, ...bytes("i2ee"));
  assert.deepEqual(Object.keys(decodeBencode(binary)), ["z", "\xff"]);
  assert.deepEqual(encodeBencode(decodeBencode(binary) as BencodeValue), binary);
});

Deno.test("decoded strings are copies: the input can be reused", () => {
  const input = bytes("l3:abce");
  const [string] = decodeBencode(input) as Uint8Array[];
  input.fill(0);
  assert.deepEqual(string, bytes("abc"));
  assert.equal(string.buffer.byteLength, 3);
});

Deno.test("encodeBencode() writes keys in byte order and pre-encoded values as they are", () => {
  assert.deepEqual(
    encodeBencode({ b: 1, a: "x", c: undefined, d: [new Bencoded(bytes("i7e"))] }),
    bytes("d1:a1:x1:bi1e1:dli7eee"),
  );
  assert.throws(() => encodeBencode(1.5), RangeError);
  assert.throws(() => encodeBencode({ "\u0100": 1 }), RangeError);
  assert.throws(() => encodeBencode(true as unknown as number), TypeError);
});

/** A random value of bounded size. */
function randomValue(random: ReturnType<typeof seededRandom>, depth = 0): BencodeValue {
  const kind = random.int(depth > 3 ? 2 : 4);
  switch (kind) {
    case 0:
      return random.pick([0, 1, -1, 42, -99999, 2 ** 40, Number.MAX_SAFE_INTEGER]);
    case 1:
      return Uint8Array.from({ length: random.int(12) }, () => random.int(256));
    case 2:
      return Array.from({ length: random.int(5) }, () => randomValue(random, depth + 1));
    default: {
      const dict: Record<string, BencodeValue> = {};
      for (let i = random.int(5); i > 0; i--) {
        const key = String.fromCharCode(
          ...Array.from({ length: random.int(4) }, () => random.int(256)),
        );
        dict[key] = randomValue(random, depth + 1);
      }
      return dict;
    }
  }
}

const DIGITS = new Set(bytes("0123456789"));

/** Edits that keep most of the structure: a sign over a length digit, a byte changed, cut, added. */
function mutate(input: Uint8Array, random: ReturnType<typeof seededRandom>): Uint8Array {
  const out = Array.from(input);
  for (let edits = 1 + random.int(3); edits > 0; edits--) {
    const at = random.int(out.length + 1);
    switch (random.int(6)) {
      case 0: {
        const digits = out.flatMap((byte, i) => DIGITS.has(byte) ? [i] : []);
        if (digits.length) out[random.pick(digits)] = random.pick([0x2d, 0x2b]);
        break;
      }
      case 1:
        out[at] = random.int(256);
        break;
      case 2:
        out.splice(at, 1);
        break;
      case 3:
        out.splice(at, 0, random.pick([0x2d, 0x2b, 0x30, 0x39, 0x3a, 0x65, 0x69, 0x6c, 0x64]));
        break;
      case 4:
        out.length = Math.min(out.length, at);
        break;
      default:
        out.splice(at, 0, ...bytes(random.pick(["-3:", "-9999999999:", "d", "l", "i-0e", "e"])));
    }
  }
  return Uint8Array.from(out);
}

Deno.test(`property (seed ${SEED}): what decodes re-encodes to the same bytes, and nothing else decodes`, () => {
  const random = seededRandom(SEED);
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const original = encodeBencode(randomValue(random) as BencodeValue);
    // The encoder's output always decodes, back to itself; the npm encoder agrees with ours.
    assert.deepEqual(encodeBencode(decodeBencode(original)), original);
    const input = i % 4 === 0
      ? Uint8Array.from({ length: random.int(40) }, () => random.int(256))
      : mutate(original, random);
    let value: BencodeValue;
    try {
      value = decodeBencode(input);
    } catch (error) {
      assert.ok(error instanceof BencodeError, `seed ${SEED} case ${i}: ${error}`);
      refused++;
      continue;
    }
    accepted++;
    assert.deepEqual(encodeBencode(value), input, `seed ${SEED} case ${i}`);
  }
  assert.ok(accepted > 500 && refused > 5000, `${accepted} accepted, ${refused} refused`);
});

function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

Deno.test("our encoding and npm bencode's agree on values with text keys", () => {
  const random = seededRandom(SEED + 1);
  for (let i = 0; i < 2000; i++) {
    const value = { t: "aa", n: random.int(1e9), list: [bytes("x"), { k: random.int(9) }] };
    const ours = encodeBencode(value);
    assert.deepEqual(ours, new Uint8Array(bencode.encode(value)));
    // The same tree (npm's dictionaries have a prototype, ours none).
    assert.deepEqual(plain(decodeBencode(ours)), plain(bencode.decode(ours)));
  }
});

Deno.test("decoding time grows linearly: adversarial megabyte inputs take milliseconds", () => {
  const shapes: Record<string, Uint8Array> = {
    "a long list of empty lists": bytes(`l${"le".repeat(500_000)}e`),
    "a long list of empty strings": bytes(`l${"0:".repeat(500_000)}e`),
    "a long list of integers": bytes(`l${"i-123456789e".repeat(80_000)}e`),
    "one huge string": bytes(`1000000:${"x".repeat(1_000_000)}`),
    "many keys": bytes(
      `d${
        Array.from({ length: 100_000 }, (_, i) => `6:${String(i).padStart(6, "0")}0:`).join("")
      }e`,
    ),
    "a truncated list": bytes(`l${"le".repeat(500_000)}`),
  };
  for (const [name, input] of Object.entries(shapes)) {
    const started = performance.now();
    try {
      decodeBencode(input);
    } catch (error) {
      assert.ok(error instanceof BencodeError);
    }
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `${name}: ${ms.toFixed(0)} ms for ${input.length} bytes`);
  }
});
