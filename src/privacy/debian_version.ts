/**
 * Debian version comparison, as dpkg does it (deb-version(7)): an epoch,
 * then the upstream version and the Debian revision, each compared in
 * alternating runs of non-digits (letters before other characters, `~`
 * before everything, even the end) and numbers.
 *
 * @module
 */

/** A version split into its parts; the epoch is 0 when absent. */
export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

/** Splits `text` into epoch, upstream version and revision (no validation beyond that). */
export function parseDebianVersion(text: string): DebianVersion {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(":");
  const hasEpoch = colon > 0 && /^\d+$/.test(trimmed.slice(0, colon));
  const epoch = hasEpoch ? Number(trimmed.slice(0, colon)) : 0;
  const rest = hasEpoch ? trimmed.slice(colon + 1) : trimmed;
  const dash = rest.lastIndexOf("-");
  return dash > 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: "" };
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareDebianVersions(a: string, b: string): number {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return comparePart(x.upstream, y.upstream) || comparePart(x.revision, y.revision);
}

/** The weight of one character in a non-digit run: `~` first, then the end, letters, the rest. */
function order(code: number | undefined): number {
  if (code === undefined) return 0;
  if (code === 0x7e) return -1; // ~
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return code;
  if (code >= 0x30 && code <= 0x39) return 0; // a digit ends the run, as the end does
  return code + 256;
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // A run of non-digits, character by character.
    while (
      (i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))
    ) {
      const ca = i < a.length ? a.charCodeAt(i) : undefined;
      const cb = j < b.length ? b.charCodeAt(j) : undefined;
      const diff = order(ca) - order(cb);
      if (diff) return diff;
      i++;
      j++;
    }
    // A run of digits, as a number: leading zeros skipped, then the longer run is the larger.
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    let diff = 0;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      diff ||= a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (diff) return diff;
  }
  return 0;
}
