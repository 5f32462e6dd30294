/**
 * How each mirror has answered this run: requests, body bytes, failures
 * (no answer, a 5xx, a body cut short) with the latest one and its time,
 * and the latest success, so a failing mirror shows on the status page.
 * A 404 is no failure: apt asks for files a mirror may not have.
 *
 * @module
 */

import { RecentTable } from "./recent_table.ts";

/** Mirrors kept: in proxy mode any host a client names is one. */
export const MIRRORS_KEPT = 64;

/** One mirror's figures. */
export interface MirrorFigures {
  /** `host[:port]` as in the URL. */
  readonly host: string;
  readonly scheme: "http" | "https";
  requests: number;
  /** Body bytes received. */
  bytes: number;
  errors: number;
  lastError: string | null;
  /** Epoch milliseconds, or 0 for never. */
  lastErrorAt: number;
  lastSuccessAt: number;
}

/**
 * What one request to a mirror came to: its answer, or none; body bytes as
 * they arrive; a body that failed before its end (not one we cancelled).
 */
export type MirrorOutcome =
  | { readonly kind: "answered"; readonly status: number }
  | { readonly kind: "failed"; readonly reason: string }
  | { readonly kind: "bytes"; readonly bytes: number }
  | { readonly kind: "body_failed"; readonly reason: string };

/** The mirrors of this run, the latest used first. */
export class MirrorHealth {
  readonly #table = new RecentTable<MirrorFigures>(MIRRORS_KEPT, (key) => {
    const [scheme, host] = key.split("://", 2) as ["http" | "https", string];
    return {
      host,
      scheme,
      requests: 0,
      bytes: 0,
      errors: 0,
      lastError: null,
      lastErrorAt: 0,
      lastSuccessAt: 0,
    };
  });

  #lastUrl = "";
  #lastKey = "";

  constructor(private readonly now: () => number = Date.now) {}

  /** Records what a request to `url` came to. */
  record(url: string, outcome: MirrorOutcome): void {
    if (url !== this.#lastUrl) {
      // A body's every chunk comes with the same URL: parsed once, not per chunk.
      const { protocol, host } = new URL(url);
      [this.#lastUrl, this.#lastKey] = [url, `${protocol.slice(0, -1)}://${host}`];
    }
    const row = this.#table.touch(this.#lastKey);
    if (outcome.kind === "bytes") {
      row.bytes += outcome.bytes; // per chunk: no clock read
      return;
    }
    const at = this.now();
    switch (outcome.kind) {
      case "answered":
        row.requests++;
        if (outcome.status >= 500) this.#failed(row, `answered ${outcome.status}`, at);
        else row.lastSuccessAt = at;
        return;
      case "failed":
        row.requests++;
        this.#failed(row, outcome.reason, at);
        return;
      case "body_failed":
        this.#failed(row, outcome.reason, at);
        return;
    }
  }

  #failed(row: MirrorFigures, reason: string, at: number): void {
    row.errors++;
    row.lastError = reason;
    row.lastErrorAt = at;
  }

  /** Every mirror, the latest used first. */
  all(): readonly MirrorFigures[] {
    return this.#table.rows();
  }
}
