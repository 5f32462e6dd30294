/**
 * The fleet's role choice, rule by rule (fleet_role.ts): who goes to the
 * mirror, whom the others follow, and what a peer's header may say.
 */

import assert from "node:assert/strict";
import {
  chooseFleetRole,
  formatGrowing,
  GROWING_HEADER,
  type Holder,
  type HolderState,
  type OwnState,
  parseHolderState,
} from "../../src/transfer/fleet_role.ts";

const partial = (
  origin: "mirror" | "peer" | "deciding",
  ticket: number,
  received = 0,
  clean = true,
): HolderState => ({ complete: false, origin, ticket, received, clean });
const holders = (...states: [string, HolderState][]): Holder<string>[] =>
  states.map(([peer, state]) => ({ peer, state }));
const deciding = (ticket: number, received = 0): OwnState => ({
  origin: "deciding",
  ticket,
  received,
  clean: true,
});

Deno.test("fleet role: alone, a download fetches from the mirror", () => {
  assert.deepEqual(chooseFleetRole(deciding(5), []), { kind: "mirror" });
});

Deno.test("fleet role: a peer with the whole file wins over any download in progress", () => {
  const role = chooseFleetRole(
    deciding(5),
    holders(["a", partial("mirror", 1)], ["b", { complete: true }], ["c", { complete: true }]),
  );
  assert.deepEqual(role, { kind: "complete", peers: ["b", "c"] });
});

Deno.test("fleet role: among those fetching from the mirror, everyone follows the lowest ticket", () => {
  const seen = holders(["a", partial("mirror", 9)], ["b", partial("mirror", 3)]);
  assert.deepEqual(chooseFleetRole(deciding(1), seen), { kind: "follow", peer: "b" });
  assert.deepEqual(
    chooseFleetRole({ origin: "peer", ticket: 1, received: 10 }, seen),
    {
      kind: "follow",
      peer: "b",
    },
  );
});

Deno.test("fleet role: one fetching from the mirror yields only to a lower ticket", () => {
  const leading = (ticket: number): OwnState => ({
    origin: "mirror",
    ticket,
    received: 100,
    clean: true,
  });
  const seen = holders(["a", partial("mirror", 7)], ["b", partial("peer", 2, 500)]);
  assert.deepEqual(chooseFleetRole(leading(4), seen), { kind: "mirror" });
  assert.deepEqual(chooseFleetRole(leading(8), seen), { kind: "follow", peer: "a" });
});

Deno.test("fleet role: with nobody at the mirror, a follower ahead of us is followed, never one behind", () => {
  const seen = holders(["a", partial("peer", 1, 100)], ["b", partial("peer", 2, 900)]);
  assert.deepEqual(chooseFleetRole(deciding(9, 50), seen), { kind: "follow", peer: "b" });
  // Everyone else is behind: following them would make a cycle of waiting.
  assert.deepEqual(chooseFleetRole(deciding(9, 1000), seen), { kind: "mirror" });
});

Deno.test("fleet role: a lower ticket still deciding is waited for; a higher one is not", () => {
  assert.deepEqual(chooseFleetRole(deciding(5), holders(["a", partial("deciding", 2)])), {
    kind: "wait",
  });
  assert.deepEqual(chooseFleetRole(deciding(5), holders(["a", partial("deciding", 8)])), {
    kind: "mirror",
  });
});

Deno.test("fleet role: when the one at the mirror is gone, the lowest ticket among the rest takes over", () => {
  // Four followers, their source dead, all deciding again and seeing each other.
  const tickets = [40, 10, 30, 20];
  const roles = tickets.map((ticket, i) =>
    chooseFleetRole(
      deciding(ticket, 1000),
      holders(
        ...tickets.flatMap((t, j) =>
          j === i ? [] : [[`d${j}`, partial("deciding", t, 1000)] as [string, HolderState]]
        ),
      ),
    )
  );
  assert.deepEqual(roles.map((r) => r.kind), ["wait", "mirror", "wait", "wait"]);
});

Deno.test("fleet role: after a wrong file, only a download that has the mirror's bytes alone is followed", () => {
  const seen = holders(
    ["relay", partial("peer", 1, 900, false)],
    ["mixed", partial("mirror", 2, 500, false)],
    ["clean", partial("mirror", 3, 400, true)],
  );
  assert.deepEqual(chooseFleetRole(deciding(9), seen, true), { kind: "follow", peer: "clean" });
  const noneClean = holders(["relay", partial("peer", 1, 900, false)], [
    "mixed",
    partial("mirror", 2, 500, false),
  ]);
  assert.deepEqual(chooseFleetRole(deciding(9), noneClean, true), { kind: "mirror" });
  // Before any wrong file, the lowest ticket at the mirror leads, whatever it relayed.
  assert.deepEqual(chooseFleetRole(deciding(9), seen), { kind: "follow", peer: "mixed" });
});

Deno.test("fleet role: the header says where a copy stands, and only a well-formed one is read", () => {
  const header = (value: string) => new Headers({ [GROWING_HEADER]: value });
  const state = { origin: "mirror" as const, received: 1234, ticket: 42, clean: true };
  assert.deepEqual(parseHolderState(200, header(formatGrowing(state))), {
    complete: false,
    ...state,
  });
  assert.deepEqual(parseHolderState(200, new Headers()), { complete: true });
  assert.equal(parseHolderState(404, new Headers()), undefined);
  for (
    const bad of [
      "received=1; origin=moon; ticket=1",
      "received=-1; origin=mirror; ticket=1",
      "received=1; origin=mirror",
      "received=1e400; origin=peer; ticket=1",
      "",
      ";;;",
    ]
  ) {
    assert.equal(parseHolderState(200, header(bad)), undefined, bad);
  }
});
