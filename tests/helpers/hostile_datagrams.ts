/**
 * Seeded hostile KRPC datagrams, as an attacker (or a fuzzer) would send
 * them: valid queries mutated a few bytes at a time, signs written over
 * length digits, the inputs that froze the npm decoder, nesting bombs,
 * datagrams of tens of thousands of tiny items, random bytes, and valid
 * queries in between so the handlers run too. A failure replays from its
 * seed.
 */

import { encodeBencode } from "../../src/bencode/mod.ts";
import { randomId } from "../../src/dht/mod.ts";
import { seededRandom } from "./seeded_random.ts";

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** One of each message kind, bencoded: what the mutations start from. */
export function krpcSeeds(): Uint8Array[] {
  const id = randomId();
  return [
    { t: "aa", y: "q", q: "ping", a: { id } },
    { t: "ab", y: "q", q: "find_node", a: { id, target: randomId(), want: ["n4", "n6"] } },
    { t: "ac", y: "q", q: "get_peers", a: { id, info_hash: randomId() } },
    {
      t: "ad",
      y: "q",
      q: "announce_peer",
      a: { id, info_hash: randomId(), port: 9977, token: "12345678", implied_port: 1 },
    },
    { t: "ae", y: "q", q: "get", a: { id, target: randomId() } },
    { t: "af", y: "q", q: "put", a: { id, v: "a value", token: "12345678" } },
    {
      t: "ag",
      y: "r",
      r: { id, nodes: new Uint8Array(26), values: [new Uint8Array(6)], token: "x" },
    },
    { t: "ah", y: "e", e: [201, "A Generic Error Ocurred"] },
  ].map((message) => encodeBencode(message));
}

type Random = ReturnType<typeof seededRandom>;

/** One to four edits: a byte changed, cut, added, the rest cut off, or a huge integer put in. */
export function mutate(packet: Uint8Array, random: Random): Uint8Array {
  const out = Array.from(packet);
  for (let edits = 1 + random.int(4); edits > 0; edits--) {
    const at = random.int(out.length + 1);
    switch (random.int(5)) {
      case 0:
        out[at] = random.int(256);
        break;
      case 1:
        out.splice(at, 1);
        break;
      case 2:
        out.splice(at, 0, random.int(256));
        break;
      case 3:
        out.length = Math.min(out.length, at);
        break;
      default:
        out.splice(at, 0, ...bytes("i9999999999999999999e1:x"));
    }
  }
  return Uint8Array.from(out);
}

const KILLERS = ["d-3:", "l-3:", "d-04:", "d-9999999999:", "l+3:abc", "d1:ad-3:ee"];

/** Edits aimed at a decoder's lengths: a sign over a length digit, or a negative length put in. */
function attackLengths(packet: Uint8Array, random: Random): Uint8Array {
  const out = Array.from(packet);
  const digits = out.flatMap((byte, i) => byte >= 0x30 && byte <= 0x39 ? [i] : []);
  if (digits.length && random.int(2)) out[random.pick(digits)] = random.pick([0x2d, 0x2b]);
  else out.splice(random.int(out.length + 1), 0, ...bytes(random.pick(["-3:", "-9999999999:"])));
  return Uint8Array.from(out);
}

/** Large datagrams that cost a decoder the most per byte: deep nesting, many tiny items. */
function heavy(random: Random): Uint8Array {
  const size = 1000 + random.int(60_000);
  switch (random.int(4)) {
    case 0:
      return bytes("l".repeat(size));
    case 1:
      return bytes(`l${"0:".repeat(size >> 1)}e`);
    case 2:
      return bytes(
        `d1:t2:aa1:y1:r1:rd2:id20:${"x".repeat(20)}6:valuesl${"6:abcdef".repeat(size >> 3)}eee`,
      );
    default:
      return bytes(`l${"le".repeat(size >> 1)}e`);
  }
}

/** An endless seeded source of hostile datagrams (with valid ones among them). */
export function hostileDatagrams(seed: number): () => Uint8Array {
  const random = seededRandom(seed);
  const seeds = krpcSeeds();
  return () => {
    const roll = random.int(100);
    if (roll < 30) return mutate(random.pick(seeds), random);
    if (roll < 45) return attackLengths(random.pick(seeds), random);
    if (roll < 55) return Uint8Array.from({ length: random.int(200) }, () => random.int(256));
    if (roll < 62) return bytes(random.pick(KILLERS));
    if (roll < 67) return heavy(random);
    return random.pick(seeds);
  };
}
