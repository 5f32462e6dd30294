/**
 * What the daemon's parts tell each other. Producers emit, later parts
 * subscribe: the emitter is created before any part, so nothing has to
 * reach forward to a part built after it.
 *
 * @module
 */

import type { DiffChange } from "../apt/mod.ts";
import type { CachedFile } from "../cache/mod.ts";

/** The events of a running daemon, by name, with what each carries. */
export interface DaemonEvents {
  /** A verified file was committed to the cache (by the pipeline or the pdiff follower). */
  committed: CachedFile;
  /** Nothing more can be written to the cache directory. */
  diskFull: Error;
  /** A Packages or Sources index was read: shared files may now match it. */
  listed: undefined;
  /** The shared directories were scanned. */
  sharedScanned: undefined;
  /** A shared file that a trusted index lists (SHA-256, hex). */
  sharedTrusted: string;
  /** A Release verified against its Release.gpg (hex DHT key of the signature). */
  releaseSigned: string;
  /** A file with a trusted hash started downloading, shared while it does; `done` when it ended. */
  sharing: {
    readonly key: string;
    readonly sha256: string;
    readonly done: Promise<CachedFile | undefined>;
  };
  /** A file left the cache. */
  removed: { readonly key: string; readonly sha256?: string };
  /** A diff Index arrived; listeners bring its listing up to date, and are awaited. */
  diffIndex: DiffChange;
}

type Listener<T> = (value: T) => void | Promise<void>;

/**
 * A tiny typed emitter. `emit` calls every listener at once and resolves
 * when the promises they return have; a listener that throws throws to the
 * emitter, as a direct callback would.
 *
 * @example
 * ```ts
 * const events = new Emitter<{ ping: number }>();
 * const off = events.on("ping", (n) => console.log(n));
 * await events.emit("ping", 1);
 * off();
 * ```
 */
export class Emitter<M> {
  readonly #listeners = new Map<keyof M, Set<Listener<never>>>();

  /** Subscribes `listener` to `type`; returns the unsubscribe. */
  on<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void {
    let listeners = this.#listeners.get(type);
    if (!listeners) this.#listeners.set(type, listeners = new Set());
    listeners.add(listener as Listener<never>);
    return () => listeners.delete(listener as Listener<never>);
  }

  /** Tells every listener of `type`; resolves once what they started has. */
  emit<K extends keyof M>(type: K, value: M[K]): Promise<void> {
    // Not async: a listener's throw reaches the emitter now, not as a rejection nobody awaits.
    const pending: Promise<void>[] = [];
    for (const listener of this.#listeners.get(type) ?? []) {
      const result = (listener as Listener<M[K]>)(value);
      if (result) pending.push(result);
    }
    return pending.length ? Promise.all(pending).then(() => {}) : Promise.resolve();
  }
}
