/**
 * BEP 14 announces: `BT-SEARCH * HTTP/1.1` with Host, Port, Infohash and
 * cookie headers. Parsing is strict and bounded: anything else is refused
 * with a short reason, never thrown.
 *
 * @module
 */

import { MAX_ANNOUNCE_BYTES, MAX_ANNOUNCE_LINES } from "./constants.ts";

/** What an announce says. */
export interface LsdAnnounce {
  /** The port the announcer's DHT node and HTTP server listen on. */
  readonly port: number;
  /** Info-hashes, lower-case hex. */
  readonly infoHashes: readonly string[];
  /** The announcer's cookie (to recognise our own announces coming back). */
  readonly cookie?: string;
}

const FIRST_LINE = "BT-SEARCH * HTTP/1.1";
const encoder = new TextEncoder();

/** The announce datagram for `group` (`239.192.152.143:6771` or `[ff15::efc0:988f]:6771`). */
export function formatAnnounce(group: string, announce: LsdAnnounce): Uint8Array {
  const lines = [FIRST_LINE, `Host: ${group}`, `Port: ${announce.port}`];
  for (const infoHash of announce.infoHashes) lines.push(`Infohash: ${infoHash}`);
  if (announce.cookie) lines.push(`cookie: ${announce.cookie}`);
  return encoder.encode(lines.join("\r\n") + "\r\n\r\n\r\n");
}

/** Reads an announce; a string is the reason it was refused. */
export function parseAnnounce(data: Uint8Array): LsdAnnounce | string {
  if (data.length > MAX_ANNOUNCE_BYTES) return "too large";
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return "not UTF-8";
  }
  const lines = text.split("\r\n", MAX_ANNOUNCE_LINES + 1);
  if (lines[0] !== FIRST_LINE) return "not a BT-SEARCH";
  let port: number | undefined;
  let cookie: string | undefined;
  const infoHashes: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon <= 0) return "bad header line";
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "port") {
      if (!/^[0-9]{1,5}$/.test(value) || +value < 1 || +value > 65535) return "bad port";
      port = +value;
    } else if (name === "infohash") {
      if (!/^[0-9a-fA-F]{40}$/.test(value)) return "bad infohash";
      infoHashes.push(value.toLowerCase());
    } else if (name === "cookie") {
      if (value.length > 64) return "bad cookie";
      cookie = value;
    }
  }
  if (port === undefined) return "no port";
  if (infoHashes.length === 0) return "no infohash";
  return cookie === undefined ? { port, infoHashes } : { port, infoHashes, cookie };
}
