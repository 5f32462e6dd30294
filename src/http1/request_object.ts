/**
 * The `Request` a handler gets for a decoded head, as `Deno.serve` builds
 * it: the URL is the target as sent (origin-form joined to the Host), not
 * normalised, so the handler can still see `..` and `%2e%2e` and refuse
 * them; and any method, CONNECT included, reaches the handler's decision.
 *
 * @module
 */

import type { RequestHead } from "./request_head.ts";

/**
 * Builds the request for `head` received on `localPort`, or undefined when
 * its URL cannot be formed (a Host with spaces, say): a 400.
 */
export function requestOf(head: RequestHead, localPort: number): Request | undefined {
  const host = head.host || `localhost:${localPort}`;
  let url: string;
  if (head.target.startsWith("/")) url = `http://${host}${head.target}`;
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(head.target)) url = head.target;
  else if (head.method === "CONNECT") url = `http://${head.target}`;
  else url = `http://${host}/${head.target === "*" ? "*" : head.target}`;
  let request: Request;
  try {
    // The public constructor refuses CONNECT and TRACE, and normalises GET and HEAD only.
    const method = FORBIDDEN_METHODS.has(head.method.toUpperCase()) ? "GET" : head.method;
    request = new Request(url, { method, headers: recordOf(head.fields) });
  } catch {
    return undefined;
  }
  // Deno.serve's own requests carry the raw URL and method; the constructor's are normalised.
  Object.defineProperty(request, "url", { value: url });
  if (request.method !== head.method) {
    Object.defineProperty(request, "method", { value: head.method });
  }
  return request;
}

/** Methods `new Request()` refuses (Fetch's forbidden methods). */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * The fields as a record, repeated names joined as `Headers` joins them: Deno's
 * Request copies a record for two thirds of what a list of pairs costs it. No
 * prototype, so that a field named `__proto__` is a field like any other.
 */
function recordOf(fields: RequestHead["fields"]): Record<string, string> {
  const record: Record<string, string> = Object.create(null);
  for (const [name, value] of fields) {
    record[name] = Object.hasOwn(record, name) ? `${record[name]}, ${value}` : value;
  }
  return record;
}
