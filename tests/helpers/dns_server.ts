/**
 * A tiny authoritative DNS server on loopback UDP for tests: answers A and
 * AAAA questions from a table, with a chosen TTL, and counts the questions.
 */

import dnsPacket from "dns-packet";
import { Buffer } from "node:buffer";

export interface DnsServer extends AsyncDisposable {
  /** `127.0.0.1:<port>`, for `upstream.dns_servers`. */
  readonly address: string;
  /** Names → addresses (IPv4 and IPv6 mixed); change it to change the answers. */
  readonly records: Map<string, string[]>;
  /** TTL of every answer, seconds. */
  ttl: number;
  /** Questions received, as `<type> <name>`. */
  readonly questions: string[];
}

export function startDnsServer(records: Record<string, string[]>, ttl = 60): DnsServer {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const server: DnsServer = {
    address: `127.0.0.1:${(socket.addr as Deno.NetAddr).port}`,
    records: new Map(Object.entries(records)),
    ttl,
    questions: [],
    async [Symbol.asyncDispose]() {
      socket.close();
      await serving;
    },
  };
  const serving = (async () => {
    try {
      for await (const [data, from] of socket) {
        let query;
        try {
          query = dnsPacket.decode(Buffer.from(data));
        } catch {
          continue;
        }
        const question = query.questions?.[0];
        if (!question) continue;
        server.questions.push(`${question.type} ${question.name}`);
        const family = question.type === "A" ? 4 : question.type === "AAAA" ? 6 : 0;
        const answers = (server.records.get(question.name) ?? [])
          .filter((address) => (address.includes(":") ? 6 : 4) === family)
          .map((data) => ({
            type: question.type as "A" | "AAAA",
            name: question.name,
            ttl: server.ttl,
            data,
          }));
        await socket.send(
          dnsPacket.encode({
            id: query.id,
            type: "response",
            flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHORITATIVE_ANSWER,
            questions: query.questions,
            answers,
          }),
          from,
        );
      }
    } catch {
      // closed
    }
  })();
  return server;
}
