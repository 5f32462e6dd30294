/**
 * Whether a package file would tell the network that its machine is open to
 * attack: the security archive lists a newer version of the same package, or
 * the vulnerability list names a fix newer than it. Pure, so each rule is one
 * row of a table test.
 *
 * @module
 */

import { compareDebianVersions } from "./debian_version.ts";
import type { PackageFile } from "./package_file.ts";
import type { FixedVersions } from "./vulnerability_list.ts";

/** Why a file is withheld from the DHT. */
export type WithheldReason = "security_update" | "vulnerable";

/** What the judgement reads. */
export interface Knowledge {
  /** The newest version the security archive lists, by `<package>|<arch>`. */
  readonly security: ReadonlyMap<string, string>;
  /** The vulnerability list's newest fixes, when one is configured. */
  readonly fixes?: FixedVersions;
}

/** The key of a package in `Knowledge.security`. */
export function securityKey(file: { name: string; arch: string }): string {
  return `${file.name}|${file.arch}`;
}

/** Why `file` (of `release`, when known) is withheld, or undefined if it may be announced. */
export function withheldReason(
  file: PackageFile,
  release: string | undefined,
  knowledge: Knowledge,
): WithheldReason | undefined {
  const newest = knowledge.security.get(securityKey(file));
  if (newest !== undefined && compareDebianVersions(newest, file.version) > 0) {
    return "security_update";
  }
  const fixed = release && knowledge.fixes?.get(file.source ?? file.name)?.get(release);
  if (fixed) {
    // File names carry no epoch; the tracker's versions may. Compared without, on both sides.
    const bare = fixed.slice(fixed.indexOf(":") + 1);
    if (compareDebianVersions(bare, file.version) > 0) return "vulnerable";
  }
  return undefined;
}
