/**
 * Who fetches a file from the mirror when several daemons want it at once,
 * decided by each daemon alone from what the others say of themselves
 * (their answer to a HEAD of `/~/<sha256>`), without I/O or timers.
 *
 * Each download in progress draws a random ticket and says where its bytes
 * come from: the mirror, a peer, or nowhere yet (it is still deciding). The
 * rules, in order:
 * 1. Someone holds the whole file: take it from them (the usual way).
 * 2. Someone fetches from the mirror: follow the one with the lowest ticket
 *    among them; a daemon fetching from the mirror itself yields only to a
 *    lower ticket. So simultaneous starters that all went to the mirror
 *    end up behind one of them as soon as they see each other.
 * 3. Someone follows a peer and is ahead of us: follow it (the bytes
 *    spread along a chain; the one ahead is never behind us, so no cycle).
 * 4. Someone still deciding has a lower ticket: wait for its decision.
 * 5. Otherwise fetch from the mirror.
 *
 * After a file came out wrong, only a download whose every byte came from
 * the mirror is followed (a chain may have relayed a liar's bytes).
 *
 * A daemon whose source failed says "deciding" again, so when the one that
 * fetched from the mirror dies, the lowest ticket among its followers takes
 * over from where it got to, and the others follow it.
 *
 * @module
 */

/** Where a download's bytes come from now. */
export type FleetOrigin = "mirror" | "peer" | "deciding";

/** What one daemon says of its copy of the file. */
export type HolderState =
  | { readonly complete: true }
  | {
    readonly complete: false;
    readonly origin: FleetOrigin;
    /** Bytes it has received (verified or not). */
    readonly received: number;
    /** Its download's random ticket: the lowest leads. */
    readonly ticket: number;
    /** Every byte it has came from the mirror (none relayed from a peer). */
    readonly clean: boolean;
  };

/** A peer and what it said. */
export interface Holder<P> {
  readonly peer: P;
  readonly state: HolderState;
}

/** This daemon's own download. */
export interface OwnState {
  readonly origin: FleetOrigin;
  readonly received: number;
  readonly ticket: number;
  /** Every byte received came from the mirror. */
  readonly clean: boolean;
}

/** What to do. */
export type FleetRole<P> =
  | { readonly kind: "complete"; readonly peers: readonly P[] }
  | { readonly kind: "follow"; readonly peer: P }
  | { readonly kind: "wait" }
  | { readonly kind: "mirror" };

/**
 * The role this daemon takes, given what the holders it found say. With
 * `cleanOnly` (a file that came out wrong once, so some peer's bytes were
 * bad), only a download whose every byte came from the mirror is followed.
 */
export function chooseFleetRole<P>(
  self: Omit<OwnState, "clean">,
  holders: readonly Holder<P>[],
  cleanOnly = false,
): FleetRole<P> {
  const complete = holders.filter((h) => h.state.complete).map((h) => h.peer);
  if (complete.length) return { kind: "complete", peers: complete };
  const partial = holders.flatMap((h) => h.state.complete ? [] : [{ peer: h.peer, ...h.state }]);
  const fetching = partial.filter((h) => h.origin === "mirror" && (h.clean || !cleanOnly))
    .sort((a, b) => a.ticket - b.ticket);
  const lead = fetching[0];
  if (lead && (self.origin !== "mirror" || lead.ticket < self.ticket)) {
    return { kind: "follow", peer: lead.peer };
  }
  if (self.origin === "mirror") return { kind: "mirror" };
  const ahead = partial.filter((h) =>
    h.origin === "peer" && h.received > self.received && !cleanOnly
  )
    .sort((a, b) => b.received - a.received);
  if (ahead.length) return { kind: "follow", peer: ahead[0].peer };
  if (partial.some((h) => h.origin === "deciding" && h.ticket < self.ticket)) {
    return { kind: "wait" };
  }
  return { kind: "mirror" };
}

/** The header a download in progress answers a peer's HEAD or GET with. */
export const GROWING_HEADER = "x-apt-dht-growing";

/** `received=<n>; origin=<o>; ticket=<t>; clean=<0|1>` for {@link GROWING_HEADER}. */
export function formatGrowing(state: OwnState): string {
  return `received=${state.received}; origin=${state.origin}; ticket=${state.ticket}; clean=${
    state.clean ? 1 : 0
  }`;
}

/** What a peer's answer says of its copy; undefined for an answer that says nothing usable. */
export function parseHolderState(status: number, headers: Headers): HolderState | undefined {
  if (status !== 200) return undefined;
  const growing = headers.get(GROWING_HEADER);
  if (growing === null) return { complete: true };
  const fields = new Map(
    growing.split(";").map((part) => part.trim().split("=", 2) as [string, string]),
  );
  const received = Number(fields.get("received"));
  const ticket = Number(fields.get("ticket"));
  const origin = fields.get("origin");
  if (
    !Number.isSafeInteger(received) || received < 0 || !Number.isSafeInteger(ticket) ||
    (origin !== "mirror" && origin !== "peer" && origin !== "deciding")
  ) return undefined;
  return { complete: false, origin, received, ticket, clean: fields.get("clean") === "1" };
}
