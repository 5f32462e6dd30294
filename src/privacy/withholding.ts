/**
 * Which of the files this daemon holds it keeps out of the DHT: announcing a
 * package tells the network that this machine probably runs it, and for a
 * version with a known hole that is an invitation. A withheld file is still
 * served to apt and still verified; it is neither announced nor served to
 * peers. Judged again whenever an index was read (the security archive may
 * now list a newer version) and whenever the vulnerability list changes.
 *
 * @module
 */

import type { Logger } from "../log/mod.ts";
import type { Clock, TimerId } from "../util/clock.ts";
import {
  LIST_FETCH_TIMEOUT_MS,
  LIST_FILE_INTERVAL_MS,
  LIST_RETRY_MS,
  LIST_URL_INTERVAL_MS,
  REFRESH_DEBOUNCE_MS,
} from "./constants.ts";
import { compareDebianVersions } from "./debian_version.ts";
import { packageFileOf } from "./package_file.ts";
import { securityKey, type WithheldReason, withheldReason } from "./withheld_reason.ts";
import { type FixedVersions, loadVulnerabilityList } from "./vulnerability_list.ts";

/** What the withholding reads of the daemon. */
export interface WithholdingDeps {
  /** Paths of the packages the security archive's current listings list. */
  securityPackages(): string[];
  /** Every package file held (cache keys and shared files' paths), with its content. */
  packageFiles(): { path: string; sha256: string }[];
  /**
   * A resolver of the release codename a held file belongs to (for the
   * vulnerability list), for one judgement: what it reads is kept that long.
   */
  releases(): (path: string) => string | undefined;
  /** Files newly withheld, and files no longer withheld (their SHA-256s). */
  onChange(withheld: string[], released: string[]): void;
  readonly clock: Clock;
  readonly log: Logger;
}

/** What withholding is set to do. */
export interface WithholdingOptions {
  /** Withhold packages the security archive has a newer version of. */
  readonly securityUpdates: boolean;
  /** A vulnerability list to read (path or URL), if any. */
  readonly vulnerabilityList?: string;
}

/** The vulnerability list's state (status page). */
export interface ListState {
  readonly location: string;
  /** Source packages it names a fix for; undefined until it was read once. */
  readonly sources?: number;
  /** When it was last read (ms since the epoch). */
  readonly loadedAt?: number;
  /** Why the last read failed. */
  readonly error?: string;
}

/** Figures for the status page. */
export interface WithholdingSummary {
  readonly withheld: number;
  readonly byReason: Record<WithheldReason, number>;
  readonly securityPackages: number;
  readonly list?: ListState;
}

/** Keeps the set of withheld contents. */
export class Withholding {
  #withheld = new Map<string, WithheldReason>();
  #security = new Map<string, string>();
  #fixes: FixedVersions | undefined;
  #list: ListState | undefined;
  #listMtime: number | undefined;
  #refreshTimer: TimerId | undefined;
  #listTimer: TimerId | undefined;
  #stopped = false;

  constructor(
    private readonly deps: WithholdingDeps,
    private readonly options: WithholdingOptions,
  ) {
    if (options.vulnerabilityList) this.#list = { location: options.vulnerabilityList };
  }

  /** Judges what is held now, then reads the vulnerability list (if any) and keeps it current. */
  start(): void {
    this.refresh();
    if (this.options.vulnerabilityList) void this.#readList();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#refreshTimer !== undefined) this.deps.clock.clearTimeout(this.#refreshTimer);
    if (this.#listTimer !== undefined) this.deps.clock.clearTimeout(this.#listTimer);
  }

  /** Whether this content is kept out of the DHT. */
  withheld(sha256: string): boolean {
    return this.#withheld.has(sha256.toLowerCase());
  }

  /** Judges one file now (it was just committed, or starts downloading); true if withheld. */
  judge(path: string, sha256: string): boolean {
    const reason = this.#reasonFor(path, this.#releases());
    if (!reason) return this.withheld(sha256);
    const hex = sha256.toLowerCase();
    if (!this.#withheld.has(hex)) {
      this.#withheld.set(hex, reason);
      this.deps.log.info("privacy.withheld", { path, reason });
    }
    return true;
  }

  /** Judges everything again soon (an index was read). */
  refreshSoon(): void {
    if (this.#refreshTimer !== undefined || this.#stopped) return;
    this.#refreshTimer = this.deps.clock.setTimeout(() => {
      this.#refreshTimer = undefined;
      this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Judges every held package file again, and tells of the changes. */
  refresh(): void {
    const security = new Map<string, string>();
    if (this.options.securityUpdates) {
      for (const path of this.deps.securityPackages()) {
        const file = packageFileOf(path);
        if (!file) continue;
        const key = securityKey(file);
        const known = security.get(key);
        if (!known || compareDebianVersions(file.version, known) > 0) {
          security.set(key, file.version);
        }
      }
    }
    this.#security = security;
    const next = new Map<string, WithheldReason>();
    const releaseOf = this.#releases();
    for (const { path, sha256 } of this.deps.packageFiles()) {
      const reason = this.#reasonFor(path, releaseOf);
      if (reason) next.set(sha256.toLowerCase(), reason);
    }
    const added = [...next.keys()].filter((hex) => !this.#withheld.has(hex));
    const released = [...this.#withheld.keys()].filter((hex) => !next.has(hex));
    this.#withheld = next;
    if (added.length || released.length) {
      this.deps.log.info("privacy.judged", {
        withheld: next.size,
        newly_withheld: added.length,
        released: released.length,
      });
      this.deps.onChange(added, released);
    }
  }

  /** The figures for the status page. */
  summary(): WithholdingSummary {
    const byReason: Record<WithheldReason, number> = { security_update: 0, vulnerable: 0 };
    for (const reason of this.#withheld.values()) byReason[reason]++;
    return {
      withheld: this.#withheld.size,
      byReason,
      securityPackages: this.#security.size,
      ...(this.#list ? { list: this.#list } : {}),
    };
  }

  /** Releases are looked up only when the vulnerability list can use them. */
  #releases(): (path: string) => string | undefined {
    return this.#fixes ? this.deps.releases() : () => undefined;
  }

  #reasonFor(
    path: string,
    releaseOf: (path: string) => string | undefined,
  ): WithheldReason | undefined {
    const file = packageFileOf(path);
    if (!file) return undefined;
    return withheldReason(file, releaseOf(path), { security: this.#security, fixes: this.#fixes });
  }

  async #readList(): Promise<void> {
    const location = this.options.vulnerabilityList!;
    const isUrl = /^https?:\/\//.test(location);
    let next = isUrl ? LIST_URL_INTERVAL_MS : LIST_FILE_INTERVAL_MS;
    try {
      const mtime = isUrl ? undefined : (await Deno.stat(location)).mtime?.getTime();
      if (isUrl || mtime === undefined || mtime !== this.#listMtime) {
        const fixes = await loadVulnerabilityList(location, LIST_FETCH_TIMEOUT_MS);
        if (this.#stopped) return;
        this.#fixes = fixes;
        this.#listMtime = mtime;
        this.#list = { location, sources: fixes.size, loadedAt: Date.now() };
        this.deps.log.info("privacy.list_read", { location, sources: fixes.size });
        this.refresh();
      }
    } catch (error) {
      next = LIST_RETRY_MS;
      const message = (error as Error).message.split("\n")[0];
      this.#list = { ...this.#list, location, error: message };
      this.deps.log.warn("privacy.list_failed", { location, error: message });
    }
    if (this.#stopped) return;
    this.#listTimer = this.deps.clock.setTimeout(() => void this.#readList(), next);
  }
}
