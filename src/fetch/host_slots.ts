/**
 * A cap on simultaneous connections per mirror host, with a first-come queue
 * beyond it: mirrors limit connections per client, and a few parallel
 * transfers are as fast as many.
 *
 * @module
 */

/** Frees a slot; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** Per-host slots. */
export class HostSlots {
  #busy = new Map<string, number>();
  #waiting = new Map<string, (() => void)[]>();

  constructor(readonly perHost: number) {}

  /** Waits for a free slot for `host` (rejects if `signal` aborts first). */
  async acquire(host: string, signal?: AbortSignal): Promise<ReleaseSlot> {
    if ((this.#busy.get(host) ?? 0) >= this.perHost) {
      await new Promise<void>((resolve, reject) => {
        const queue = this.#waiting.get(host) ?? [];
        this.#waiting.set(host, queue);
        const onAbort = () => {
          queue.splice(queue.indexOf(wake), 1);
          reject(signal!.reason);
        };
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(wake);
      });
    } else this.#busy.set(host, (this.#busy.get(host) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.get(host)?.shift();
      if (next) return next(); // the slot passes straight on
      const busy = (this.#busy.get(host) ?? 1) - 1;
      if (busy > 0) this.#busy.set(host, busy);
      else this.#busy.delete(host);
      if (this.#waiting.get(host)?.length === 0) this.#waiting.delete(host);
    };
  }

  /** Connections in use and requests waiting, for `host`. */
  usage(host: string): { busy: number; waiting: number } {
    return { busy: this.#busy.get(host) ?? 0, waiting: this.#waiting.get(host)?.length ?? 0 };
  }
}
