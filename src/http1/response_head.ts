/**
 * The status line and header block of a response, as this server sends
 * them: the handler's headers, a `Date`, and the framing the server
 * chooses (Content-Length, chunked, or close-delimited for HTTP/1.0).
 *
 * @module
 */

/** How the body goes out. */
export type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "until-close" };

const REASONS: Record<number, string> = {
  200: "OK",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  416: "Range Not Satisfiable",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
  508: "Loop Detected",
};

/** The reason phrase this server sends with `status` (the response's own, when it has one). */
export function reasonPhrase(status: number, statusText = ""): string {
  return statusText || REASONS[status] || "Unknown";
}

/** Headers the server writes itself; the handler's are dropped. */
const OWN_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "date"]);

/**
 * How `response` is framed on a connection speaking `version`: bodiless
 * statuses and HEAD send none; a declared length is kept; otherwise
 * chunked (HTTP/1.1) or until the connection closes (HTTP/1.0).
 */
export function framingOf(
  response: Response,
  version: "HTTP/1.0" | "HTTP/1.1",
  head: boolean,
): Framing {
  const declared = response.headers.get("content-length");
  const length = declared !== null && /^\d{1,15}$/.test(declared) ? Number(declared) : undefined;
  const bodiless = response.status === 204 || response.status === 304 || response.status < 200;
  if (bodiless || (!response.body && length === undefined)) return { kind: "none" };
  if (head) return length === undefined ? { kind: "none" } : { kind: "length", length };
  if (!response.body) return { kind: "length", length: 0 };
  if (length !== undefined) return { kind: "length", length };
  return version === "HTTP/1.1" ? { kind: "chunked" } : { kind: "until-close" };
}

let dateSecond = -1;
let dateText = "";

/** The Date header's value, built once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

const encoder = new TextEncoder();

/** The head's bytes. `keepAlive` as decided for this exchange. */
export function responseHead(
  response: Response,
  version: "HTTP/1.0" | "HTTP/1.1",
  framing: Framing,
  keepAlive: boolean,
): Uint8Array {
  let text = `${version} ${response.status} ${
    reasonPhrase(response.status, response.statusText)
  }\r\ndate: ${httpDate()}\r\n`;
  let hasLength = false;
  // forEach, not for-of: Deno's Headers iterator rebuilds its sorted list on every step
  // (a quarter of a cache hit's allocations).
  response.headers.forEach((value, name) => {
    if (OWN_HEADERS.has(name)) return;
    if (name === "content-length") {
      if (framing.kind !== "length") return; // a declared length that is not a number
      hasLength = true;
    }
    text += `${name}: ${value}\r\n`;
  });
  if (framing.kind === "length" && !hasLength) text += `content-length: ${framing.length}\r\n`;
  if (framing.kind === "chunked") text += "transfer-encoding: chunked\r\n";
  if (!keepAlive) text += "connection: close\r\n";
  else if (version === "HTTP/1.0") text += "connection: keep-alive\r\n";
  return encoder.encode(text + "\r\n");
}
