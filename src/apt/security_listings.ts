/**
 * The security archive's listings among those the index tracks: a Packages
 * file under a suite named `<codename>-security` (Debian since bullseye,
 * Ubuntu) or `<codename>/updates` (Debian before). What they list is what a
 * machine that is not up to date lacks.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

const SECURITY_SUITE = /\/dists\/(?:[^/]+-security|[^/]+\/updates)\//;

/** Whether a listing's URL is a security archive's. */
export function isSecurityListing(listing: string): boolean {
  return SECURITY_SUITE.test(listing);
}

/** The release a listing belongs to, as its URL names it (`bookworm`, `stable`, `sid`). */
export function releaseOfListing(listing: string): string | undefined {
  const dist = /\/dists\/([^/]+)\//.exec(listing)?.[1];
  if (!dist) return undefined;
  const release = dist.replace(/-(security|updates|proposed-updates|backports)$/, "");
  return release === "unstable" ? "sid" : release;
}

/** The paths (under the archive root) of the packages the current security listings list. */
export function securityListedPackages(db: DatabaseSync): string[] {
  const rows = db.prepare(
    `SELECT s.listing, f.path FROM listing_sources AS s
    JOIN listing_files AS f ON f.content = s.content
    WHERE f.path LIKE '%.deb' AND (s.listing LIKE '%-security/%' OR s.listing LIKE '%/updates/%')`,
  ).all() as { listing: string; path: string }[];
  return rows.filter((row) => isSecurityListing(row.listing)).map((row) => row.path);
}
