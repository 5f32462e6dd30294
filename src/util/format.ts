/**
 * Figures for people: sizes in binary units, durations in the two largest
 * units (the status command and the status page say them alike).
 *
 * @module
 */

/** `1.5 MiB`, `312 B`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `83.3 %` of a share (0.833). */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** `3d 4h`, `2h 5m`, `40s`. */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${seconds % 60}s`;
  return `${seconds}s`;
}
