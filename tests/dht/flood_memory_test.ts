/**
 * A DHT node (its own process) flooded the way an attacker would: garbage,
 * mutated KRPC, queries, and announce_peer, put and signed vote floods with valid tokens
 * from 1,000 addresses. Its state stays within the stated memory budget.
 * Bounded: 250,000 packets, 60 s.
 */

import assert from "node:assert/strict";
import bencode from "bencode";
import { randomId } from "../../src/dht/mod.ts";
import {
  DHT_MEMORY_BUDGET_BYTES,
  MAX_ITEMS,
  MAX_PEER_ENTRIES,
  MAX_VOTE_TARGETS,
  MAX_VOTES_PER_TARGET,
} from "../../src/dht/constants.ts";
import type { Vote } from "../../src/dht/krpc/messages.ts";
import { voteTarget } from "../../src/dht/vote.ts";
import { voter } from "../helpers/voter.ts";
import { decodeMessage, encodeMessage } from "../../src/dht/krpc/codec.ts";
import { type FloodMeasure, startFloodTarget } from "../helpers/flood_target.ts";

const PACKETS = 250_000;
const SOURCES = 1_000;

const tid = () => crypto.getRandomValues(new Uint8Array(2));

Deno.test({
  name:
    "a flood of 250,000 hostile packets from 1,000 addresses leaves the DHT within its memory budget",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using flood = await startFloodTarget();
    const sockets: Deno.DatagramConn[] = [];
    try {
      const target = { transport: "udp" as const, hostname: "127.0.0.1", port: flood.port };
      const before = await flood.measure();
      assert.ok(before.gc, "measured after a full GC");
      for (let i = 0; i < SOURCES; i++) {
        const hostname = `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
        sockets.push(Deno.listenDatagram({ transport: "udp", hostname, port: 0 }));
      }
      // Each address gets its write token, as a real announcer would.
      const tokens = await Promise.all(sockets.map(async (socket) => {
        const query = encodeMessage({
          kind: "query",
          tid: tid(),
          method: "get_peers",
          args: { id: randomId(), infoHash: randomId() },
        });
        for (let attempt = 0; attempt < 3; attempt++) {
          await socket.send(query, target);
          const reply = await Promise.race([
            socket.receive(),
            new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000)),
          ]);
          if (!reply) continue;
          const message = decodeMessage(reply[0].slice());
          if (message.kind === "response" && message.body.token) return message.body.token;
        }
        return new Uint8Array(8);
      }));
      const ping = encodeMessage({
        kind: "query",
        tid: tid(),
        method: "ping",
        args: { id: randomId() },
      });
      // Signed votes about random nodes, as many as the flood sends: each one a store must keep.
      const voters = await Promise.all(Array.from({ length: 16 }, () => voter()));
      const votes: Vote[] = [];
      for (let i = 0; i < Math.ceil(PACKETS / 7); i++) votes.push(await voters[i % 16](randomId()));
      const started = Date.now();
      let sent = 0;
      for (let i = 0; i < PACKETS && Date.now() - started < 45_000; i++) {
        const source = i % SOURCES;
        let packet: Uint8Array;
        switch (i % 7) {
          case 0:
            packet = crypto.getRandomValues(new Uint8Array(1 + Math.floor(Math.random() * 1400)));
            break;
          case 1:
            packet = ping.slice();
            for (let j = 0; j < 3; j++) packet[Math.floor(Math.random() * packet.length)] ^= 0xff;
            break;
          case 2:
            packet = encodeMessage({
              kind: "query",
              tid: tid(),
              method: "find_node",
              args: { id: randomId(), target: randomId() },
            });
            break;
          case 3:
            packet = encodeMessage({
              kind: "query",
              tid: tid(),
              method: "get_peers",
              args: { id: randomId(), infoHash: randomId() },
            });
            break;
          case 4:
            packet = encodeMessage({
              kind: "query",
              tid: tid(),
              method: "announce_peer",
              args: {
                id: randomId(),
                infoHash: randomId(),
                port: 1 + (i % 60000),
                token: tokens[source],
                impliedPort: false,
              },
            });
            break;
          case 5: {
            const vote = votes[Math.floor(i / 7)];
            packet = encodeMessage({
              kind: "query",
              tid: tid(),
              method: "apt_vote",
              args: {
                id: randomId(),
                target: voteTarget(vote.accused),
                vote,
                token: tokens[source],
              },
            });
            break;
          }
          default:
            packet = encodeMessage({
              kind: "query",
              tid: tid(),
              method: "put",
              args: {
                id: randomId(),
                value: bencode.encode(crypto.getRandomValues(new Uint8Array(900))),
                token: tokens[source],
              },
            });
        }
        sockets[source].send(packet, target).catch(() => {});
        sent++;
        if (sent % 500 === 0) await new Promise((r) => setTimeout(r, 0)); // let the sends go out
      }
      await new Promise((r) => setTimeout(r, 2000)); // the target works through its backlog
      const after = await flood.measure();
      const used = (m: FloodMeasure) => m.heapUsed + m.external;
      const grew = used(after) - used(before);
      console.log(
        `flood: ${sent} packets in ${Date.now() - started} ms; heap + external ${
          (used(before) / 2 ** 20).toFixed(1)
        } → ${(used(after) / 2 ** 20).toFixed(1)} MiB, RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${
          (after.rss / 2 ** 20).toFixed(0)
        } MiB; stored ${after.storedPeers} peers for ${after.storedInfoHashes} hashes, ${after.storedItems} items, ${after.storedVotes} votes`,
      );
      assert.ok(sent >= PACKETS * 0.5, `only ${sent} packets sent`);
      assert.ok(after.storedPeers <= MAX_PEER_ENTRIES);
      assert.ok(after.storedItems <= MAX_ITEMS);
      assert.ok(after.storedVotes <= MAX_VOTE_TARGETS * MAX_VOTES_PER_TARGET);
      assert.ok(
        after.storedPeers > 10_000 && after.storedItems > 1_000 && after.storedVotes > 1_000,
        "the flood did fill the stores",
      );
      assert.ok(
        grew < DHT_MEMORY_BUDGET_BYTES,
        `heap and external memory grew by ${(grew / 2 ** 20).toFixed(1)} MiB`,
      );
      // The whole process, allocator slack and the runtime's own buffers included: with each
      // datagram's view keeping its 64 KiB receive buffer alive it grew by about 150 MiB.
      const rssGrew = after.rss - before.rss;
      assert.ok(
        rssGrew < 2 * DHT_MEMORY_BUDGET_BYTES,
        `RSS grew by ${(rssGrew / 2 ** 20).toFixed(0)} MiB`,
      );
    } finally {
      for (const socket of sockets) socket.close();
    }
  },
});
