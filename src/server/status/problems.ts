/**
 * Conditions the status page shows until they clear, each with what to do:
 * those the parts raise (the disk is full) kept from the first time they were
 * seen, and those read off the figures (a mirror failing, the disk nearly
 * full, a DHT that had nodes to join through and has not joined).
 *
 * @module
 */

import { formatBytes } from "../../util/format.ts";
import type { diskRow, mirrorRows } from "./usage.ts";

/** A condition a person should know of (a full disk), while it lasts, and what to do about it. */
export interface Problem {
  readonly what: string;
  readonly detail: string;
  readonly action: string;
  /** Epoch milliseconds it was first seen. */
  readonly since: number;
}

/** The problems a daemon has now, by kind. */
export class Problems {
  readonly #current = new Map<string, Problem>();

  /** Records `problem` under `kind`; false (and nothing changes) when it is already known. */
  raise(kind: string, problem: Problem): boolean {
    if (this.#current.has(kind)) return false;
    this.#current.set(kind, problem);
    return true;
  }

  /** The condition has cleared. */
  clear(kind: string): void {
    this.#current.delete(kind);
  }

  /** What the status page lists. */
  all(): Problem[] {
    return [...this.#current.values()];
  }
}

/** The title of the disk-full problem (a nearly-full one is not shown beside it). */
const DISK_FULL = "Disk full";

/** The disk holding the cache is full: apt still gets its files, from memory. */
export function diskFullProblem(directory: string, error: Error, now = Date.now()): Problem {
  return {
    what: DISK_FULL,
    detail: `Nothing more can be written to ${directory}: files still reach apt ` +
      `(from memory) but are not cached until space is freed (${error.message}).`,
    action: "Free space on that file system, or set cache.max_size below what it can hold.",
    since: now,
  };
}

/** A mirror whose latest answer is a failure is a problem for this long after it. */
export const MIRROR_FAILURE_SHOWN_MS = 60 * 60_000;
/**
 * Free space under the smaller of these is "nearly full": 1 GiB on a large
 * disk (a few upgrades' worth), 5 % on one smaller than 20 GiB.
 */
export const DISK_LOW_BYTES = 1024 ** 3;
export const DISK_LOW_SHARE = 0.05;
/** A DHT not joined this long after start is a problem (its join is over by then). */
export const DHT_JOIN_GRACE_S = 60;

/** What the figures say is wrong now. */
export interface Figures {
  readonly now: number;
  readonly startedAt: number;
  readonly mirrors: ReturnType<typeof mirrorRows>;
  readonly disk: ReturnType<typeof diskRow>;
  /** The DHT's state and bootstrap count, and the port it listens on; null when off. */
  readonly dht: { state: string; bootstrap: number; port: number | null } | null;
  /** Kinds already raised (a full disk needs no "nearly full" beside it). */
  readonly raised: readonly Problem[];
}

/** The problems read off the figures. */
export function figureProblems(f: Figures): Problem[] {
  const problems: Problem[] = [];
  for (const m of f.mirrors) {
    const at = Date.parse(m.last_error_at ?? "");
    if (!m.failing || f.now - at > MIRROR_FAILURE_SHOWN_MS) continue;
    problems.push({
      what: `Mirror ${m.host} failing`,
      detail: `${m.errors} of ${m.requests} requests to ${m.scheme}://${m.host} failed this run, ` +
        `the latest: ${m.last_error}; last success: ${m.last_success_at ?? "never"}.`,
      action: `Check that ${m.scheme}://${m.host}/ answers from this machine (curl -I), ` +
        "or point apt or upstream.mirrors at another mirror.",
      since: at,
    });
  }
  const disk = f.disk;
  if (
    disk?.free_bytes != null && disk.total_bytes &&
    disk.free_bytes < Math.min(DISK_LOW_BYTES, disk.total_bytes * DISK_LOW_SHARE) &&
    !f.raised.some((p) => p.what === DISK_FULL)
  ) {
    problems.push({
      what: "Disk nearly full",
      detail: `${formatBytes(disk.free_bytes)} free of ${formatBytes(disk.total_bytes)} ` +
        `on the file system of ${disk.directory}.`,
      action: disk.max_bytes
        ? `Free space there, or lower cache.max_size (${formatBytes(disk.max_bytes)} now).`
        : "Free space there, or set cache.max_size: eviction keeps the cache under it.",
      since: f.now,
    });
  }
  if (f.dht?.state === "not_joined" && (f.now - f.startedAt) / 1000 >= DHT_JOIN_GRACE_S) {
    problems.push({
      what: "DHT not joined",
      detail: `None of the ${f.dht.bootstrap} bootstrap nodes (dht.bootstrap) or saved ` +
        "contacts has answered: files come from the cache and mirrors only.",
      action: `Check that UDP port ${f.dht.port ?? "?"} is open both ways and that the ` +
        "dht.bootstrap lines name running nodes (apt-dht status shows them).",
      since: f.startedAt,
    });
  }
  return problems;
}
