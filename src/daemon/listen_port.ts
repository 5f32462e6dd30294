/**
 * The port the daemon listens on. It is known only once HTTP has bound it
 * (the config may ask for 0), yet the parts built before the HTTP front
 * need it: the DHT's UDP socket shares it, and a peer list must not name
 * ourselves. So it is the one value that arrives after construction, and
 * this is where it arrives.
 *
 * @module
 */

/** The listening port: the configured one until HTTP has bound, then the bound one. */
export class ListenPort {
  #port: number;
  #bound = false;

  constructor(configured: number) {
    this.#port = configured;
  }

  get port(): number {
    return this.#port;
  }

  /** HTTP listens on `port` (called once, by the HTTP part). */
  bound(port: number): void {
    if (this.#bound) throw new Error(`already listening on ${this.#port}`);
    this.#bound = true;
    this.#port = port;
  }
}
