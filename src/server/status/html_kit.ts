/**
 * The status page's building blocks: escaping, figures that carry their
 * `/stats.json` path and raw value (`data-stat`, `data-value`), and the two
 * kinds of table: label and value, and rows under headings (whose cells
 * carry their heading, so a phone can show each row as a stack).
 *
 * @module
 */

import { formatBytes, formatShare } from "../../util/format.ts";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A figure: the formatted text, with its path and raw value for machines. */
export function figure(
  path: string,
  value: number | null | undefined,
  format: (value: number) => string = String,
): string {
  if (value === null || value === undefined) {
    return `<span data-stat="${path}" data-value="">unknown</span>`;
  }
  return `<span data-stat="${path}" data-value="${value}">${escapeHtml(format(value))}</span>`;
}

export const bytes = (path: string, value: number | null | undefined): string =>
  figure(path, value, formatBytes);
/** A share, or "–" (with an empty value) while there is nothing to divide. */
export const share = (path: string, value: number | null | undefined): string =>
  value === null || value === undefined
    ? `<span data-stat="${path}" data-value="">–</span>`
    : figure(path, value, formatShare);

/** A table of labels and values: `[label, value html, class?]` per row. */
export function pairs(rows: readonly (readonly [string, string, string?])[]): string {
  return `<table class="pairs">${
    rows.map(([label, value, cls]) =>
      `<tr><th>${label}</th><td class="${cls ?? "n"}">${value}</td></tr>`
    ).join("")
  }</table>`;
}

/** A cell of a {@link grid}: its html, and whether it is a number (right-aligned). */
export type Cell = string | { readonly html: string; readonly n?: boolean; readonly cls?: string };

/** Rows under headings; each cell is labelled with its heading for the narrow layout. */
export function grid(headings: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const body = rows.map((row) =>
    `<tr>${
      row.map((cell, i) => {
        const { html, n, cls } = typeof cell === "string" ? { html: cell } : cell;
        const classes = [n ? "n" : "", cls ?? ""].filter(Boolean).join(" ");
        return `<td data-label="${escapeHtml(headings[i])}"${
          classes ? ` class="${classes}"` : ""
        }>${html}</td>`;
      }).join("")
    }</tr>`
  ).join("");
  // A column of numbers has its heading over its right edge, as its figures are.
  const numeric = (i: number) => {
    const cell = rows[0]?.[i];
    return typeof cell === "object" && cell.n === true;
  };
  return `<table class="grid"><thead><tr>${
    headings.map((h, i) => `<th${numeric(i) ? ` class="n"` : ""}>${escapeHtml(h)}</th>`).join("")
  }</tr></thead><tbody>${body}</tbody></table>`;
}

/** A card; `wide` spans the whole row. */
export function card(title: string, body: string, wide = false, cls = ""): string {
  const classes = [wide ? "wide" : "", cls].filter(Boolean).join(" ");
  return `<section${classes ? ` class="${classes}"` : ""}><h2>${title}</h2>${body}</section>`;
}
