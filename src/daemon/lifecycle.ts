/**
 * Starts the daemon's parts in order and stops them in reverse: a part
 * stops only after every part that uses it. Stopping has two rounds, as in
 * js-libp2p (`beforeStop`, then `stop`): first every part lets the work in
 * flight finish (`drain`), then every part lets go of what it holds.
 *
 * @module
 */

/** A part of the daemon with a life of its own; every method is optional. */
export interface Component {
  start?(): void | Promise<void>;
  /** Lets work in flight finish, given up to `graceMs` (the HTTP front's transfers). */
  drain?(graceMs: number): Promise<void>;
  stop?(): void | Promise<void>;
}

/** The daemon's parts, in start order. */
export class Lifecycle {
  readonly #parts: Component[] = [];
  readonly #started: Component[] = [];

  /** Adds `part` to start after those added before it; returns it. */
  add<T extends Component>(part: T): T {
    this.#parts.push(part);
    return part;
  }

  /** Starts every part in order; when one fails, those started are stopped again. */
  async start(): Promise<void> {
    for (const part of this.#parts) {
      try {
        await part.start?.();
      } catch (error) {
        await this.stop(0);
        throw error;
      }
      this.#started.push(part);
    }
  }

  /** Drains, then stops, every started part, last started first. */
  async stop(graceMs: number): Promise<void> {
    const started = this.#started.splice(0).reverse();
    for (const part of started) await part.drain?.(graceMs);
    for (const part of started) await part.stop?.();
  }
}
