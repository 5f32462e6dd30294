import assert from "node:assert/strict";
import bencode from "bencode";
import { randomId } from "../../src/dht/mod.ts";
import {
  decodeMessage,
  encodeMessage,
  encodeWithin,
  isAptDhtClient,
  KrpcDecodeError,
} from "../../src/dht/krpc/codec.ts";
import { decodeNodes, decodePeer, encodeNodes, encodePeer } from "../../src/dht/krpc/compact.ts";
import { ErrorCode, type Message } from "../../src/dht/krpc/messages.ts";

const tid = Uint8Array.of(0xab, 0xcd);
const id = randomId();
const target = randomId();
const token = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const value = bencode.encode({ pieces: new Uint8Array(40), size: 1048576 });
const vote = {
  accused: randomId(),
  peer: { address: "2001:db8::7", port: 9977 },
  at: 1_796_000_000,
  key: new Uint8Array(32).fill(5),
  sig: new Uint8Array(64).fill(6),
};
/** Our `v`, which every message we encode carries and every response decodes as `client`. */
const CLIENT = Uint8Array.of(0x41, 0x44, 0x00, 0x01);

const MESSAGES: Message[] = [
  { kind: "query", tid, method: "ping", args: { id }, readOnly: false },
  {
    kind: "query",
    tid,
    method: "find_node",
    args: { id, target, want: ["n4", "n6"] },
    readOnly: false,
  },
  {
    kind: "query",
    tid,
    method: "get_peers",
    args: { id, infoHash: target, want: undefined },
    readOnly: true,
  },
  {
    kind: "query",
    tid,
    method: "announce_peer",
    args: { id, infoHash: target, port: 9977, token, impliedPort: false },
    readOnly: false,
  },
  {
    kind: "query",
    tid,
    method: "announce_peer",
    args: { id, infoHash: target, port: 0, token, impliedPort: true },
    readOnly: false,
  },
  { kind: "query", tid, method: "get", args: { id, target, want: undefined }, readOnly: false },
  { kind: "query", tid, method: "put", args: { id, value, token }, readOnly: false },
  { kind: "query", tid, method: "apt_vote", args: { id, target, vote, token }, readOnly: false },
  {
    kind: "response",
    tid,
    body: {
      id,
      nodes: [{ id: randomId(), address: "1.2.3.4", port: 6881 }],
      nodes6: [{ id: randomId(), address: "2001:db8::5", port: 6882 }],
      values: [{ address: "5.6.7.8", port: 9977 }, { address: "2001:db8::1", port: 80 }],
      token,
    },
    ip: { address: "9.8.7.6", port: 1234 },
    client: CLIENT,
  },
  { kind: "response", tid, body: { id, token, value }, client: CLIENT },
  { kind: "response", tid, body: { id, token, votes: [vote, vote] }, client: CLIENT },
  { kind: "error", tid, code: ErrorCode.MethodUnknown, message: "Method Unknown" },
];

Deno.test("encodeMessage() and decodeMessage() round-trip every message type", () => {
  for (const message of MESSAGES) {
    const decoded = decodeMessage(encodeMessage(message));
    assert.deepEqual(
      decoded,
      message,
      JSON.stringify(message.kind === "query" ? message.method : message.kind),
    );
  }
});

Deno.test("a response says its client: apt-dht's own queries go only to apt-dht nodes", () => {
  assert.ok(isAptDhtClient(CLIENT));
  assert.ok(isAptDhtClient(Uint8Array.of(0x41, 0x44, 0x01, 0x07)), "any version of ours");
  assert.ok(!isAptDhtClient(new TextEncoder().encode("LT\x01\x02")), "libtorrent");
  assert.ok(!isAptDhtClient(undefined), "no v at all (bittorrent-dht)");
  const theirs = bencode.encode({ t: tid, y: "r", r: { id } });
  assert.equal((decodeMessage(theirs) as { client?: Uint8Array }).client, undefined);
  // A malformed vote in an answer is dropped, not the answer.
  const mixed = bencode.encode({
    t: tid,
    y: "r",
    r: {
      id,
      votes: [{ a: vote.accused }, {
        a: vote.accused,
        p: Uint8Array.of(10, 0, 0, 1, 0, 80),
        t: 1,
        k: vote.key,
        s: vote.sig,
      }],
    },
  });
  const decoded = decodeMessage(mixed);
  assert.equal(decoded.kind === "response" && decoded.body.votes?.length, 1);
});

Deno.test("compact node and peer info: 26 and 38 bytes per node, 6 and 18 per peer", () => {
  const v4 = { id: randomId(), address: "192.168.1.2", port: 65535 };
  const v6 = { id: randomId(), address: "fe80::1:2", port: 1 };
  assert.equal(encodeNodes([v4, v6], 4).length, 26);
  assert.equal(encodeNodes([v4, v6], 6).length, 38);
  assert.deepEqual(decodeNodes(encodeNodes([v4], 4), 4), [v4]);
  assert.deepEqual(decodeNodes(encodeNodes([v6], 6), 6), [v6]);
  assert.deepEqual(decodePeer(encodePeer({ address: "10.0.0.1", port: 80 })!), {
    address: "10.0.0.1",
    port: 80,
  });
  // A ragged tail is dropped; the whole entries stay.
  assert.deepEqual(decodeNodes(new Uint8Array([...encodeNodes([v4], 4), 1]), 4), [v4]);
  assert.deepEqual(decodeNodes(new Uint8Array(25), 4), []);
  assert.equal(decodePeer(new Uint8Array(7)), undefined);
});

Deno.test("decodeMessage() rejects malformed packets with a reason and, where it can, the transaction id", () => {
  const encode = (value: unknown) => bencode.encode(value);
  const cases: [Uint8Array, RegExp, boolean][] = [
    [new TextEncoder().encode("not bencode"), /not bencode/, false],
    [encode([1, 2]), /not a dictionary/, false],
    [encode({ y: "q" }), /transaction id/, false],
    [encode({ t: tid, y: "x" }), /unknown message type/, true],
    [
      encode({ t: tid, y: "q", q: "ping", a: { id: new Uint8Array(19) } }),
      /"id" must be 20 bytes/,
      true,
    ],
    [encode({ t: tid, y: "q", q: "ping" }), /missing arguments/, true],
    [
      encode({
        t: tid,
        y: "q",
        q: "announce_peer",
        a: { id, info_hash: target, port: 70000, token },
      }),
      /port/,
      true,
    ],
    // A bad response or error is never answered: no transaction id to answer with.
    [encode({ t: tid, y: "r", r: { id: new Uint8Array(3) } }), /"id" must be 20 bytes/, false],
    [encode({ t: tid, y: "e", e: "oops" }), /malformed error/, false],
  ];
  for (const [packet, reason, hasTid] of cases) {
    assert.throws(() => decodeMessage(packet), (error: unknown) => {
      assert.ok(error instanceof KrpcDecodeError);
      assert.match(error.reason, reason);
      assert.equal(error.tid !== undefined, hasTid);
      return true;
    });
  }
  const unknown = () => decodeMessage(encode({ t: tid, y: "q", q: "vote", a: { id } }));
  assert.throws(
    unknown,
    (e: unknown) => e instanceof KrpcDecodeError && e.code === ErrorCode.MethodUnknown,
  );
});

Deno.test("encodeWithin() trims a reply with thousands of peers and nodes to 1472 bytes", () => {
  const values = Array.from(
    { length: 3000 },
    (_, i) => ({ address: `10.${i >> 8 & 255}.${i & 255}.1`, port: 1000 + i }),
  );
  const nodes = Array.from(
    { length: 50 },
    (_, i) => ({ id: randomId(), address: `11.0.0.${i}`, port: 6881 }),
  );
  const message: Message = { kind: "response", tid, body: { id, token, values, nodes } };
  const packet = encodeWithin(message);
  assert.ok(packet.length <= 1472, `${packet.length} bytes`);
  const decoded = decodeMessage(packet);
  assert.equal(decoded.kind, "response");
  if (decoded.kind === "response") assert.ok((decoded.body.values?.length ?? 0) > 100);
  assert.ok(encodeMessage(message).length > 10_000);
});

Deno.test("decodeMessage() refuses hostile bencode at once, as a malformed packet with no answer", () => {
  /** A binary string (one char per byte) as bytes. */
  const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const ping = String.fromCharCode(
    ...encodeMessage({ kind: "query", tid, method: "ping", args: { id }, readOnly: false }),
  );
  const hostile = [
    "d-3:",
    "l-3:",
    "d-04:",
    "d-9999999999:",
    ping.replace("2:id20:", "2:id-20:"),
    ping.replace("1:q4:ping", "1:q-4:ping"),
    `d1:t2:aa1:y1:q1:al${"l".repeat(200)}`,
    `d1:ad2:id20:${"x".repeat(20)}e1:q4:ping1:t2:aa1:y1:qe trailing`,
  ];
  for (const input of hostile) {
    const started = performance.now();
    assert.throws(() => decodeMessage(text(input)), (error: unknown) => {
      assert.ok(error instanceof KrpcDecodeError, String(error));
      assert.match(error.reason, /not bencode: /);
      assert.equal(error.tid, undefined); // nothing decoded, nothing to answer
      return true;
    }, input);
    assert.ok(performance.now() - started < 50, `${input}: ${performance.now() - started} ms`);
  }
});

Deno.test("decodeMessage() reads a bounded part of long lists: want, nodes, values, and items in all", () => {
  const node = (i: number) =>
    encodeNodes([{ id: randomId(), address: `10.0.${i >> 8}.${i & 255}`, port: 1 }], 4);
  const nodes = new Uint8Array(100 * 26);
  for (let i = 0; i < 100; i++) nodes.set(node(i + 1), i * 26);
  const answer = decodeMessage(bencode.encode({
    t: tid,
    y: "r",
    r: {
      id,
      nodes,
      values: Array.from(
        { length: 900 },
        (_, i) => encodePeer({ address: "10.1.2.3", port: i + 1 }),
      ),
    },
  }));
  assert.ok(answer.kind === "response");
  assert.equal(answer.body.nodes?.length, 32);
  assert.equal(answer.body.values?.length, 200);
  const query = decodeMessage(bencode.encode({
    t: tid,
    y: "q",
    q: "find_node",
    a: { id, target, want: ["xx", "yy", "zz", "n4", "n6"] },
  }));
  assert.ok(query.kind === "query" && query.method === "find_node");
  assert.deepEqual(query.args.want, ["n4"]); // the fifth entry is past the four looked at
  const tooMany = bencode.encode({ t: tid, y: "r", r: { id, values: Array(1100).fill(0) } });
  assert.throws(() => decodeMessage(tooMany), /more than 1024 items/);
});
