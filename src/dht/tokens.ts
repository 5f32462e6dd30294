/**
 * Write tokens (BEP 5): SHA-1 of the requester's address and a secret that
 * rotates every five minutes; tokens made with the previous secret stay
 * valid, so a token lives between five and ten minutes.
 *
 * @module
 */

import { sha1 } from "../hash/mod.ts";
import { TOKEN_ROTATE_MS } from "./constants.ts";

/** Issues and checks write tokens. */
export class TokenManager {
  #current: Uint8Array;
  #previous: Uint8Array;
  #rotatedAt: number;

  constructor(
    private readonly now: () => number,
    private readonly random: (n: number) => Uint8Array = (n) =>
      crypto.getRandomValues(new Uint8Array(n)),
  ) {
    this.#current = random(16);
    this.#previous = random(16);
    this.#rotatedAt = now();
  }

  #rotate(): void {
    const periods = Math.floor((this.now() - this.#rotatedAt) / TOKEN_ROTATE_MS);
    if (periods <= 0) return;
    this.#previous = periods === 1 ? this.#current : this.random(16);
    this.#current = this.random(16);
    this.#rotatedAt += periods * TOKEN_ROTATE_MS;
  }

  #make(secret: Uint8Array, address: string): Uint8Array {
    return sha1(address, secret).slice(0, 8);
  }

  /** A token for `address`. */
  issue(address: string): Uint8Array {
    this.#rotate();
    return this.#make(this.#current, address);
  }

  /** True when `token` was issued to `address` within the last two periods. */
  check(address: string, token: Uint8Array): boolean {
    this.#rotate();
    const same = (a: Uint8Array) => a.length === token.length && a.every((b, i) => b === token[i]);
    return same(this.#make(this.#current, address)) || same(this.#make(this.#previous, address));
  }
}
