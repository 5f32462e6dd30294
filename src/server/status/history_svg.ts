/**
 * The history as inline SVG: one stacked bar per hour or day (the cache,
 * peers, mirrors), scaled to the largest, with a title per bar for the
 * figures. No script, no font metrics: the labels are HTML around it, so the
 * chart stretches to any width.
 *
 * @module
 */

import type { HistoryEntry } from "../../stats/mod.ts";
import { formatBytes } from "../../util/format.ts";
import { escapeHtml } from "./html_kit.ts";

/** The sources, bottom up, with their colours (the legend uses the same). */
export const SERIES = [
  { key: "from_cache", label: "cache", colour: "#2e7d32" },
  { key: "from_peers", label: "peers", colour: "#1565c0" },
  { key: "from_mirrors", label: "mirrors", colour: "#9aa0a6" },
] as const;

const BAR = 10;
const GAP = 2;
const HEIGHT = 100;

/** A bar chart of `entries`; `name` labels each bar's start (hour or day). */
export function historySvg(
  entries: readonly HistoryEntry[],
  name: (start: string) => string,
  caption: string,
): string {
  const total = (e: HistoryEntry) => e.from_cache + e.from_peers + e.from_mirrors;
  const most = Math.max(0, ...entries.map(total));
  const bars = entries.map((entry, i) => {
    let y = HEIGHT;
    const parts = SERIES.map(({ key, colour }) => {
      const h = most ? (entry[key] / most) * HEIGHT : 0;
      if (h <= 0) return "";
      y -= h;
      return `<rect x="${i * BAR + GAP / 2}" y="${y.toFixed(2)}" width="${BAR - GAP}" height="${
        h.toFixed(2)
      }" fill="${colour}"/>`;
    }).join("");
    const title = `${name(entry.start)}: ${
      SERIES.map(({ key, label }) => `${label} ${formatBytes(entry[key])}`).join(", ")
    }`;
    // A transparent full-height rect carries the title, so an empty bar has one too.
    return `<g><title>${escapeHtml(title)}</title><rect x="${
      i * BAR
    }" y="0" width="${BAR}" height="${HEIGHT}" fill="transparent"/>${parts}</g>`;
  }).join("");
  const first = entries[0] ? name(entries[0].start) : "";
  const last = entries.at(-1) ? name(entries.at(-1)!.start) : "";
  return `<figure class="chart"><figcaption>${escapeHtml(caption)}: ${
    most ? `up to ${escapeHtml(formatBytes(most))} per bar` : "nothing served yet"
  }</figcaption><svg viewBox="0 0 ${
    entries.length * BAR
  } ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${
    escapeHtml(caption)
  }">${bars}</svg><div class="axis"><span>${escapeHtml(first)}</span><span>${
    escapeHtml(last)
  }</span></div></figure>`;
}

/** The legend the charts share. */
export function legend(): string {
  return `<p class="legend">${
    SERIES.map(({ label, colour }) => `<span><i style="background:${colour}"></i>${label}</span>`)
      .join("")
  }</p>`;
}
