/**
 * A source of a file's bytes (a peer or a mirror URL), and how it did.
 *
 * @module
 */

import { type PeerRef, peerUrl } from "./peer_ref.ts";

/** Somewhere a file's bytes can be asked for. */
export interface Source {
  readonly url: string;
  /** The peer, for a peer; absent for a mirror. */
  readonly peer?: PeerRef;
}

/** A peer as a source of the file at `path` on it (`/~/<sha256>`, `/~/signed/<key>`). */
export function peerSource(peer: PeerRef, path: string): Source {
  return { url: peerUrl(peer, path), peer };
}

/** How a source did, for its record and score (the same report whole files and pieces give). */
export type SourceReport =
  | {
    readonly kind: "delivered";
    readonly bytes: number;
    readonly lagMs: number;
    readonly totalMs: number;
  }
  /** Wrong bytes; for a piece, which one and what it hashed to (proof comes with a verified copy). */
  | {
    readonly kind: "wrong";
    readonly piece?: { readonly index: number; readonly digest: Uint8Array };
  }
  | { readonly kind: "failed" };
