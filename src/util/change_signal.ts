/**
 * A reusable "something changed" signal: waiters get a promise that
 * resolves at the next `notify()`. Cheaper than an EventTarget for the hot
 * path of a download that wakes its readers once per chunk.
 *
 * @module
 */

/** A signal that many can wait on and one can fire repeatedly. */
export interface ChangeSignal {
  /** Resolves at the next notify(). */
  wait(): Promise<void>;
  notify(): void;
}

/** Creates a {@link ChangeSignal}. */
export function waitForChange(): ChangeSignal {
  let resolve!: () => void;
  let promise = new Promise<void>((r) => resolve = r);
  return {
    wait: () => promise,
    notify() {
      resolve();
      promise = new Promise<void>((r) => resolve = r);
    },
  };
}
