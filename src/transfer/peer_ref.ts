/**
 * A peer as the transfer engine knows it: an address and a port, never a
 * URL string to be parsed back. URLs are built from it only at the moment a
 * request is made.
 *
 * @module
 */

import { urlHost } from "../net/mod.ts";

/** Another apt-dht daemon, by where its HTTP port is. */
export interface PeerRef {
  readonly address: string;
  readonly port: number;
}

/** Where a peer serves a file by its SHA-256 (`/~/<sha256>`). */
export function fileByHashPath(sha256: string): string {
  return `/~/${sha256}`;
}

/** Where a peer serves the Release a signature key names (`/~/signed/<key>`). */
export function signedReleasePath(key: string): string {
  return `/~/signed/${key}`;
}

/** Where a peer serves a piece list by its SHA-1 (`/~/<sha1>`). */
export function pieceListPath(sha1: string): string {
  return `/~/${sha1}`;
}

/** The URL of `path` (starting with `/`) at `peer`. */
export function peerUrl(peer: PeerRef, path: string): string {
  return `http://${urlHost(peer.address)}:${peer.port}${path}`;
}
