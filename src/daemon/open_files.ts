/**
 * File descriptors: every connection, cached file being served and
 * download costs one. Deno raises the soft limit to the hard one when it
 * starts (the unit sets the hard one). One descriptor is kept spare, to be
 * given up when the listener must be opened again after running out.
 *
 * @module
 */

/** One descriptor held back, for the moment there is none left. */
export class SpareDescriptor {
  #file: Deno.FsFile | undefined;

  constructor() {
    this.take();
  }

  /** Holds a descriptor again (when one can be had). */
  take(): void {
    if (this.#file) return;
    try {
      this.#file = Deno.openSync("/dev/null");
    } catch { /* none to spare now: next time */ }
  }

  /** Gives the descriptor up, so the next open can succeed. */
  release(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
