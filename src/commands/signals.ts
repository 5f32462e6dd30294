/**
 * How the long-running commands (`run`, `dht`) end: on SIGTERM or SIGINT.
 * The handlers go in before start-up begins: a signal that came between the
 * "started" line and their installation would otherwise end the process by
 * the default action (exit 143, nothing closed), and systemd may stop a
 * unit while it is still starting.
 *
 * @module
 */

/** A SIGTERM or SIGINT, caught from the moment this is made. */
export class StopSignals implements Disposable {
  readonly #received = Promise.withResolvers<void>();
  readonly #handler = () => this.#received.resolve();

  constructor() {
    Deno.addSignalListener("SIGTERM", this.#handler);
    Deno.addSignalListener("SIGINT", this.#handler);
  }

  /**
   * Resolves once a signal came (at once if one came already) and `stop`
   * has run; a second signal while stopping changes nothing.
   */
  async stopWhenSignalled(stop: () => Promise<void>): Promise<void> {
    await this.#received.promise;
    await stop().catch(() => {});
  }

  /** Stops catching them (their default action applies again). */
  [Symbol.dispose](): void {
    Deno.removeSignalListener("SIGTERM", this.#handler);
    Deno.removeSignalListener("SIGINT", this.#handler);
  }
}
