/**
 * The one place that decides where a file's bytes are asked for, and in
 * what order: peers first (whole for small files, in pieces for large
 * ones), then each mirror URL, and for a mirror whose host has several
 * addresses, its other addresses when one fails this download.
 *
 * @module
 */

import type { MirrorClient } from "../fetch/mod.ts";
import type { PeerRef } from "./peer_ref.ts";
import { peerSource, type Source } from "./source.ts";

/** What the plan needs of the mirror client: address choice for hosts with several. */
export type AddressBook = Pick<MirrorClient, "addressFailed" | "hasOtherAddress">;

/** Where one file can come from. */
export interface SourcePlanOptions {
  /** Peers holding the file, best first. */
  readonly peers?: readonly PeerRef[];
  /** The file's path at a peer (`/~/<sha256>`, `/~/signed/<key>`). */
  readonly peerPath?: string;
  /** Mirror URLs of the file, in the order they are tried. */
  readonly upstreams: readonly string[];
  /** The file comes from peers in pieces: whole-file attempts skip them. */
  readonly inPieces?: boolean;
  readonly addresses?: AddressBook;
}

/** The sources of one download, and the addresses that failed it. */
export class SourcePlan implements Iterable<Source> {
  readonly peers: readonly Source[];
  readonly mirrors: readonly Source[];
  readonly #inPieces: boolean;
  readonly #addresses: AddressBook | undefined;
  /** Per mirror URL, addresses that failed this download. */
  readonly #avoid = new Map<string, Set<string>>();
  /** A mirror to try again (on another address) before moving on. */
  #again: Source | undefined;

  constructor(options: SourcePlanOptions) {
    const path = options.peerPath ?? "/";
    this.peers = (options.peers ?? []).map((peer) => peerSource(peer, path));
    this.mirrors = options.upstreams.map((url) => ({ url }));
    this.#inPieces = options.inPieces ?? false;
    this.#addresses = options.addresses;
  }

  /** For a piece-wise fetch: every peer, then the mirrors for pieces no peer gives. */
  get pieceSources(): readonly Source[] {
    return [...this.peers, ...this.mirrors];
  }

  /** Whole-file order: peers (unless they give pieces), then the mirrors, each retried on its other addresses. */
  *[Symbol.iterator](): Iterator<Source> {
    for (const source of [...(this.#inPieces ? [] : this.peers), ...this.mirrors]) {
      yield source;
      while (this.#again === source) {
        this.#again = undefined;
        yield source;
      }
    }
  }

  /** The first mirror: the one asked to confirm a cached copy. */
  isFirstMirror(source: Source): boolean {
    return source === this.mirrors[0];
  }

  /** Addresses of this source's host that failed this download. */
  avoided(source: Source): ReadonlySet<string> | undefined {
    return this.#avoid.get(source.url);
  }

  /**
   * The address a mirror went to failed this download: it is avoided from
   * now on. True when its host has another address, which the iteration
   * then tries next.
   */
  async addressFailed(source: Source, address: string | undefined): Promise<boolean> {
    if (!address || source.peer || !this.#addresses) return false;
    const avoid = this.#avoid.get(source.url) ?? new Set();
    this.#avoid.set(source.url, avoid);
    avoid.add(address);
    this.#addresses.addressFailed(source.url, address);
    const another = await this.#addresses.hasOtherAddress(source.url, avoid);
    if (another) this.#again = source;
    return another;
  }
}
