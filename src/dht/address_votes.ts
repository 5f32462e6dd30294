/**
 * Our public address, as the nodes that answer us see it (BEP 42's `ip`):
 * adopted once enough distinct nodes report the same one. Candidates are
 * capped, so liars naming many addresses cannot grow the state.
 *
 * @module
 */

import { isExemptFromBep42 } from "./bep42.ts";
import { PUBLIC_ADDRESS_CANDIDATES, PUBLIC_ADDRESS_VOTES } from "./constants.ts";

/** Votes for our public address. */
export class AddressVotes {
  readonly #votes = new Map<string, Set<string>>();
  /** The address adopted, once one has enough votes. */
  address?: string;

  /** `voter` says we are `address`; true when that makes it our (new) public address. */
  vote(address: string, voter: string): boolean {
    if (isExemptFromBep42(address) || address === this.address) return false;
    const voters = this.#votes.get(address) ?? new Set();
    voters.add(voter);
    this.#votes.set(address, voters);
    if (this.#votes.size > PUBLIC_ADDRESS_CANDIDATES) {
      this.#votes.delete(this.#votes.keys().next().value!);
    }
    if (voters.size < PUBLIC_ADDRESS_VOTES) return false;
    this.address = address;
    this.#votes.clear();
    return true;
  }
}
