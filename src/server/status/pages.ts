/**
 * The daemon's own pages: `/` (HTML), `/stats.json` and `/metrics`
 * (Prometheus), all from one snapshot.
 *
 * @module
 */

import { statusHtml } from "./html.ts";
import { metricsText } from "./metrics.ts";
import { statusSnapshot, type StatusSource } from "./snapshot.ts";

/** Answers one of the local paths. */
export function statusResponse(path: string, source: StatusSource): Response {
  // A browser on the status page asks for an icon: there is none, and that is no refusal.
  if (path === "/favicon.ico") return new Response(null, { status: 204 });
  const snapshot = statusSnapshot(source);
  const headers = { "cache-control": "no-store" };
  if (path === "/stats.json") return Response.json(snapshot, { headers });
  if (path === "/metrics") {
    return new Response(metricsText(snapshot), {
      headers: { ...headers, "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  }
  return new Response(statusHtml(snapshot), {
    headers: { ...headers, "content-type": "text/html; charset=utf-8" },
  });
}
