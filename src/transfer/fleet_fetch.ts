/**
 * A file several daemons want at once, fetched from the mirror about once:
 * each daemon asks the holders it found where their bytes come from, takes
 * a role (fleet_role.ts), and streams the rest of the file from there into
 * one attempt, from wherever it got to. A daemon that fetches from the
 * mirror looks again now and then, and yields to another that fetches too
 * and leads; one whose source fails decides again. Bytes from a peer reach
 * apt only once the whole file verified (`markPeerBytesFrom`); the mirror's
 * stream on as usual up to where a peer's begin.
 *
 * @module
 */

import type { CachedFile } from "../cache/mod.ts";
import { type MirrorClient, UpstreamError } from "../fetch/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Clock, monotonicClock, sleep } from "../util/clock.ts";
import type { Attempt } from "./attempt.ts";
import {
  FLEET_FIRST_LOOK,
  FLEET_MAX_ROUNDS,
  FLEET_PROBE_TIMEOUT_MS,
  FLEET_RECHECK_FIRST_MS,
  FLEET_RECHECK_MAX_MS,
  FLEET_WAIT_MS,
  FLEET_WAIT_STEP_MS,
} from "./constants.ts";
import {
  chooseFleetRole,
  type FleetOrigin,
  type FleetRole,
  type Holder,
  parseHolderState,
} from "./fleet_role.ts";
import type { AttemptSink } from "./piece_rounds.ts";
import { rangeStart } from "./download_request.ts";
import type { Source, SourceReport } from "./source.ts";
import type { SourcePlan } from "./source_plan.ts";

/** This download's side of the fleet: what it tells peers that ask. */
export interface FleetSelf {
  origin: FleetOrigin;
  readonly ticket: number;
}

/** What a fleet fetch needs. */
export interface FleetFetchOptions {
  readonly key: string;
  readonly size: number;
  readonly self: FleetSelf;
  /** Peers found holding the file when the download started. */
  readonly found: readonly Source[];
  /**
   * URLs of peers that failed this download (cut off, stalled, or wrong):
   * not asked again, whatever they claim. Kept across fleet rounds.
   */
  readonly failed: Set<string>;
  /** Follow only downloads whose every byte came from the mirror (a second try after wrong bytes). */
  readonly cleanOnly?: boolean;
  /** A fresh look for peers holding the file. */
  readonly lookup: () => Promise<readonly Source[]>;
  /** The mirrors, and the addresses of theirs that failed this download (the usual way goes on with it). */
  readonly plan: SourcePlan;
  /** A mirror address sent a wrong file or a 404: the plan avoids it (the download's own handling). */
  readonly addressFailed: (source: Source, address: string | undefined) => Promise<void>;
  readonly clientFor: (source: Source) => Pick<MirrorClient, "request">;
  readonly sink: AttemptSink;
  readonly signal: AbortSignal;
  readonly report: (source: Source, report: SourceReport) => void;
  /** A source answered with the file: apt may be told a body is coming. */
  readonly onBody: () => void;
  readonly log: Logger;
  readonly clock?: Clock;
}

/** How a fleet fetch ended: the file, or peers holding all of it (the usual way takes over). */
export type FleetResult =
  | { readonly kind: "done"; readonly file: CachedFile | undefined }
  /** A peer's bytes made the file wrong: worth deciding once more, without whoever is known bad. */
  | { readonly kind: "retry" }
  | { readonly kind: "complete"; readonly peers: readonly Source[] };

/** Fetches the file as one of a fleet; throws when the mirror alone should take over. */
export async function fetchAsFleet(options: FleetFetchOptions): Promise<FleetResult> {
  const { self, sink, size, log, key } = options;
  const clock = options.clock ?? monotonicClock;
  let holders = options.found;
  let attempt: Attempt | undefined;
  const peersUsed = new Set<Source>();
  const failed = options.failed;
  let rounds = 0;
  let waitedMs = 0;
  let widened = false;
  /** The mirror address the last bytes from the mirror came from. */
  const mirrorAt: { address?: string } = {};
  try {
    while (!attempt || attempt.written < size) {
      if (options.signal.aborted) throw options.signal.reason;
      const received = attempt?.written ?? 0;
      const asked = holders.filter((source) => !failed.has(source.url));
      const probes = await probeAll(options, asked);
      const role = chooseFleetRole({ ...self, received }, probes, options.cleanOnly);
      log.debug("download.fleet_role", { key, role: role.kind, holders: probes.length, received });
      if (!widened && lookWider(holders.length, probes, role.kind)) {
        widened = true;
        const seen = new Set(holders.map((h) => h.url));
        const more = await options.lookup().catch(() => []);
        holders = [...holders, ...more.filter((h) => !seen.has(h.url))];
        continue;
      }
      if (role.kind === "complete" && !attempt) return role;
      if (role.kind === "wait" && waitedMs < FLEET_WAIT_MS) {
        await sleep(clock, FLEET_WAIT_STEP_MS, options.signal);
        waitedMs += FLEET_WAIT_STEP_MS;
        continue;
      }
      if (++rounds > FLEET_MAX_ROUNDS) {
        throw new UpstreamError(key, "status", `no fleet source after ${FLEET_MAX_ROUNDS} tries`);
      }
      const source = role.kind === "follow"
        ? role.peer
        : role.kind === "complete"
        ? role.peers[0]
        : options.plan.mirrors[0];
      if (!source) throw new UpstreamError(key, "status", "no mirror to lead from");
      self.origin = source.peer ? "peer" : "mirror";
      attempt ??= await sink.begin(false);
      if (source.peer) {
        attempt.markPeerBytesFrom(attempt.written);
        peersUsed.add(source);
      }
      // Leading alone from the start is every lone download: worth a line only when debugging.
      const alone = !source.peer && attempt.written === 0 && probes.length === 0;
      log[alone ? "debug" : "info"]("download.fleet_source", {
        key,
        role: source.peer ? "follow" : "lead",
        source: source.url,
        from: attempt.written,
        ticket: self.ticket,
      });
      const outcome = await streamFrom(options, source, attempt, clock, mirrorAt);
      if (outcome.kind === "yield") {
        holders = outcome.holders;
        continue;
      }
      if (outcome.kind === "failed") {
        if (source.peer) failed.add(source.url);
        self.origin = "deciding";
        waitedMs = 0;
        holders = await options.lookup().catch(() => []);
        continue;
      }
    }
    self.origin = "mirror"; // complete: what it has is as good as the mirror's, once verified
    return { kind: "done", file: await commit(options, attempt, peersUsed, mirrorAt) };
  } catch (error) {
    self.origin = "deciding";
    if (attempt) await sink.drop(attempt);
    const mismatch = error instanceof UpstreamError && error.failure === "mismatch";
    if (mismatch && peersUsed.size) return { kind: "retry" };
    throw error;
  }
}

/**
 * Whether to look for more holders before acting, when the first look
 * stopped at FLEET_FIRST_LOOK peers (more may exist): fewer of them hold
 * the whole file (some announced and went away), or none of them is one to
 * follow and this daemon would go to the mirror or wait. With someone to
 * follow it follows at once: the chain leads to the mirror's bytes anyway.
 */
function lookWider(
  found: number,
  probes: readonly Holder<Source>[],
  role: FleetRole<Source>["kind"],
): boolean {
  if (found < FLEET_FIRST_LOOK) return false; // the first look saw all there was
  const complete = probes.filter((p) => p.state.complete).length;
  if (complete) return complete < FLEET_FIRST_LOOK;
  return role === "mirror" || role === "wait";
}

/** Verifies and commits; a mismatch is blamed on the peer if only one sent bytes. */
async function commit(
  options: FleetFetchOptions,
  attempt: Attempt,
  peersUsed: Set<Source>,
  mirrorAt: { address?: string },
): Promise<CachedFile | undefined> {
  const mirror = options.plan.mirrors[0];
  try {
    return await options.sink.commit(attempt, peersUsed.size ? "fleet" : mirror.url);
  } catch (error) {
    if (!(error instanceof UpstreamError && error.failure === "mismatch")) throw error;
    // The mirror's bytes alone: that address is bad.
    if (!peersUsed.size) await options.addressFailed(mirror, mirrorAt.address);
    // One of them lied; with one, it is known which, and it is left out from now on. With
    // several, an honest one may have relayed the liar's bytes: those that failed us mid-way
    // are left out, the others may be followed again (a second mismatch ends the fleet).
    const kind = peersUsed.size === 1 ? "wrong" : "failed";
    for (const source of peersUsed) {
      options.report(source, { kind });
      if (kind === "wrong") options.failed.add(source.url);
    }
    throw error;
  }
}

/** What one source's stream came to. */
type Streamed =
  | { readonly kind: "complete" }
  | { readonly kind: "failed" }
  | { readonly kind: "yield"; readonly holders: readonly Source[] };

/** Streams the rest of the file from `source` into `attempt`. */
async function streamFrom(
  options: FleetFetchOptions,
  source: Source,
  attempt: Attempt,
  clock: Clock,
  mirrorAt: { address?: string },
): Promise<Streamed> {
  const from = attempt.written;
  const cut = new AbortController();
  const signal = AbortSignal.any([options.signal, cut.signal]);
  const started = clock.now();
  let yieldTo: readonly Source[] | undefined;
  try {
    const response = await options.clientFor(source).request({
      url: source.url,
      rangeFrom: from > 0 ? from : undefined,
      signal,
      avoid: source.peer ? undefined : options.plan.avoided(source),
    });
    if (!source.peer) mirrorAt.address = response.address;
    const resumed = response.status === 206 && rangeStart(response) === from;
    if (!(response.status === 200 && from === 0) && !resumed) {
      response.cancel();
      if (!source.peer) {
        // A 404 for a file the index lists: that server is behind; another address may not be.
        if (response.status === 404) await options.addressFailed(source, response.address);
        throw new UpstreamError(source.url, "status", `fleet: answered ${response.status}`);
      }
      options.report(source, { kind: "failed" });
      return { kind: "failed" };
    }
    options.onBody();
    const lagMs = clock.now() - started;
    if (!source.peer) {
      // Leading: others that lead too are looked for, and the lower ticket leads.
      recheck(options, signal, clock, (holders) => {
        yieldTo = holders;
        cut.abort(new UpstreamError(source.url, "cancelled", "another daemon leads"));
      });
    }
    await options.sink.fill(attempt, response.body!, options.size, source.url);
    options.report(source, {
      kind: "delivered",
      bytes: attempt.written - from,
      lagMs,
      totalMs: clock.now() - started,
    });
    return { kind: "complete" };
  } catch (error) {
    if (options.signal.aborted) throw error;
    if (yieldTo) return { kind: "yield", holders: yieldTo };
    // The mirror failed before a byte came (unreachable, refused): the usual way, with its
    // other addresses and mirrors, takes over. Cut off mid-way, it is asked again from there.
    const midway = attempt.written > from;
    if (
      !source.peer &&
      (!midway || !(error instanceof UpstreamError && error.failure !== "mismatch"))
    ) throw error;
    options.log.warn(source.peer ? "download.peer_failed" : "download.upstream_failed", {
      key: options.key,
      upstream: source.url,
      at: attempt.written,
      error,
    });
    if (source.peer) options.report(source, { kind: "failed" });
    return { kind: "failed" };
  } finally {
    cut.abort(new Error("fleet stream over")); // ends the recheck too, which need not be awaited
  }
}

/**
 * While leading, looks for other leaders at growing intervals; calls
 * `yieldTo` with the holders seen when one with a lower ticket leads.
 */
async function recheck(
  options: FleetFetchOptions,
  signal: AbortSignal,
  clock: Clock,
  yieldTo: (holders: readonly Source[]) => void,
): Promise<void> {
  let delay = FLEET_RECHECK_FIRST_MS;
  try {
    while (!signal.aborted) {
      await sleep(clock, delay, signal);
      delay = Math.min(delay * 2, FLEET_RECHECK_MAX_MS);
      const holders = (await options.lookup()).filter((h) => !options.failed.has(h.url));
      const probes = await probeAll(options, holders);
      if (signal.aborted) return;
      const role = chooseFleetRole({ ...options.self, received: 0 }, probes, options.cleanOnly);
      if (role.kind === "follow" || role.kind === "complete") return yieldTo(holders);
    }
  } catch {
    // The stream ended: nothing more to look for.
  }
}

/** Asks every holder about its copy, at once and briefly; those that do not answer are left out. */
async function probeAll(
  options: FleetFetchOptions,
  holders: readonly Source[],
): Promise<Holder<Source>[]> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(FLEET_PROBE_TIMEOUT_MS)]);
  const answers = await Promise.all(holders.map(async (source) => {
    try {
      const head = await options.clientFor(source).request({
        url: source.url,
        method: "HEAD",
        signal,
      });
      head.cancel();
      const state = parseHolderState(head.status, head.headers);
      if (!state) {
        options.log.debug("download.fleet_probe", { peer: source.url, status: head.status });
      }
      return state ? [{ peer: source, state }] : [];
    } catch (error) {
      // Announced but not answering: gone, or not worth waiting for.
      options.log.debug("download.fleet_probe", { peer: source.url, error });
      if (!options.signal.aborted) options.report(source, { kind: "failed" });
      return [];
    }
  }));
  return answers.flat();
}
