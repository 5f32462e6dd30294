/**
 * What the daemon announces: every verified file it holds and every signed
 * Release, except what it keeps to itself. With `peers.announce = false`
 * nothing at all; otherwise the packages privacy withholds (a newer version
 * in the security archive, a fix on the vulnerability list) stay out, and
 * leave the DHT when they become withheld.
 *
 * @module
 */

import type { ArchiveIndex } from "../apt/mod.ts";
import { parseRelease, releaseOfListing } from "../apt/mod.ts";
import type { CacheStore } from "../cache/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Announcer } from "../peers/mod.ts";
import { Withholding } from "../privacy/mod.ts";
import { systemClock } from "../util/clock.ts";
import type { DaemonEvents, Emitter } from "./events.ts";

/** Suite names the security tracker does not use: the Release says which codename they are. */
const SUITE_ALIASES = new Set(["stable", "oldstable", "oldoldstable", "testing"]);

/** The withholding of a daemon that announces (reads its index and cache). */
export function createWithholding(
  config: Config,
  cache: CacheStore,
  index: ArchiveIndex,
  log: Logger,
  onChange: (withheld: string[], released: string[]) => void,
): Withholding {
  return new Withholding({
    securityPackages: () => index.securityPackages(),
    packageFiles: () => [
      ...cache.records().filter((file) => file.announce && /\.u?deb$/.test(file.key))
        .map((file) => ({ path: file.key, sha256: file.sha256 })),
      ...cache.sharedFiles().map((file) => ({ path: file.path, sha256: file.sha256 })),
    ],
    releases: () => {
      // Per judgement: a suite's Release names another codename after a release day.
      const codenames = new Map<string, string | undefined>();
      return (path) => {
        const listing = index.listingsOf(path)[0];
        if (!listing) return undefined;
        if (!codenames.has(listing)) codenames.set(listing, codenameOf(cache, listing));
        return codenames.get(listing);
      };
    },
    onChange,
    clock: systemClock,
    log: log.child({ part: "privacy" }),
  }, {
    securityUpdates: config.peers.withholdSecurityUpdates,
    vulnerabilityList: config.peers.vulnerabilityList || undefined,
  });
}

/** The release codename of a listing: its suite, or the codename its cached Release names. */
function codenameOf(cache: CacheStore, listing: string): string | undefined {
  const release = releaseOfListing(listing);
  if (!release || !SUITE_ALIASES.has(release)) return release;
  const dists = listing.slice(0, listing.indexOf("/dists/") + "/dists/".length) + release;
  for (const name of ["InRelease", "Release"]) {
    const key = `${dists}/${name}`;
    if (!cache.has(key)) continue;
    try {
      return parseRelease(Deno.readTextFileSync(cache.pathOf(key))).fields.get("codename");
    } catch {
      return undefined; // evicted meanwhile, or unreadable: the suite stays unknown this time
    }
  }
  return undefined;
}

/** What the announcements follow. */
export interface AnnouncementDeps {
  readonly events: Emitter<DaemonEvents>;
  readonly cache: CacheStore;
  readonly index: ArchiveIndex;
  readonly announcer: Announcer;
  readonly withholding: Withholding;
}

/** Announces what the cache holds and follows its changes; returns the unsubscribes. */
export function followAnnouncements(deps: AnnouncementDeps): (() => void)[] {
  const { events, cache, index, announcer, withholding } = deps;
  const unsubscribe = [
    events.on("committed", (file) => {
      if (file.announce && !withholding.judge(file.key, file.sha256)) announcer.add(file.sha256);
    }),
    events.on("sharedTrusted", (sha256) => {
      const withheld = cache.sharedPathsOf(sha256).some((path) => withholding.judge(path, sha256));
      if (!withheld) announcer.add(sha256);
    }),
    events.on("releaseSigned", (key) => announcer.add(key)),
    // Told at once, so that a fleet asking at the same moment finds this download and follows it.
    events.on("sharing", ({ key, sha256, done }) => {
      if (withholding.judge(key, sha256)) return;
      announcer.add(sha256, { now: true });
      done.then((file) => {
        if (!file && !cache.holdsContent(sha256)) announcer.remove(sha256);
      }, () => {});
    }),
    events.on("removed", ({ sha256 }) => {
      if (sha256 && !cache.holdsContent(sha256)) announcer.remove(sha256);
    }),
    // The security archive may now list a newer version of something held.
    events.on("listed", () => withholding.refreshSoon()),
    events.on("sharedScanned", () => withholding.refreshSoon()),
  ];
  withholding.start();
  for (const sha256 of cache.announceable()) {
    if (!withholding.withheld(sha256)) announcer.add(sha256);
  }
  // Releases that verified against a Release.gpg, under its key, while the cache holds them.
  for (const { key, sha256 } of index.releases.signedReleases()) {
    if (cache.holdsContent(sha256)) announcer.add(key);
  }
  return unsubscribe;
}

/** Withdraws what became withheld and announces again what no longer is. */
export function applyWithholding(
  announcer: Announcer,
  cache: CacheStore,
  withheld: string[],
  released: string[],
): void {
  for (const sha256 of withheld) announcer.remove(sha256);
  for (const sha256 of released) if (cache.holdsContent(sha256)) announcer.add(sha256);
}
