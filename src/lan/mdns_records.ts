/**
 * The DNS-SD records of the proxy (PTR, SRV, TXT, A) and the part of npm
 * `multicast-dns` we use, typed.
 *
 * @module
 */

/** One resource record as multicast-dns (dns-packet) takes it. */
export interface MdnsRecord {
  readonly name: string;
  readonly type: "PTR" | "SRV" | "TXT" | "A";
  readonly ttl: number;
  readonly data: unknown;
  /** The cache-flush bit: a unique record (RFC 6762 §10.2). */
  readonly flush?: boolean;
}

/** A multicast-dns instance. */
export interface MdnsSocket {
  on(event: "error", listener: (error: Error) => void): void;
  on(
    event: "query",
    listener: (
      query: { id?: number; questions: { name: string; type: string }[] },
      rinfo: { address: string; port: number },
    ) => void,
  ): void;
  respond(
    packet: Record<string, unknown>,
    rinfoOrCallback?: { address: string; port: number } | (() => void),
  ): void;
  destroy(): void;
}

/** The records for `instance` of `_apt_proxy._tcp` at `host` (`address`), `port`. */
export function recordsFor(
  o: { instance: string; host: string; port: number; address: string; ttl: number },
): MdnsRecord[] {
  const service = o.instance.slice(o.instance.indexOf("._") + 1);
  return [
    { name: service, type: "PTR", ttl: o.ttl, data: o.instance },
    {
      name: o.instance,
      type: "SRV",
      ttl: o.ttl,
      flush: true,
      data: { priority: 0, weight: 0, port: o.port, target: o.host },
    },
    // RFC 6763 §6.1: a service with no TXT data still has a TXT record, of one empty string.
    { name: o.instance, type: "TXT", ttl: o.ttl, flush: true, data: [""] },
    { name: o.host, type: "A", ttl: o.ttl, flush: true, data: o.address },
  ];
}
