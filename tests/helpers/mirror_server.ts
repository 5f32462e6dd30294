/**
 * A small static HTTP server on 127.0.0.1 that plays a Debian mirror in
 * tests: it serves a directory with Last-Modified, ETag, conditional
 * requests and byte ranges, logs every request, and can misbehave on demand
 * (wrong bytes, cut connections, stalls, error statuses).
 */

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  /** Body bytes sent (as the response said; 0 for HEAD and 304). */
  readonly bytes: number;
}

/** A per-path misbehaviour. */
export type Fault =
  | { kind: "status"; status: number; times?: number }
  /** Sends the first `bytes` bytes, then drops the connection. */
  | { kind: "cut"; bytes: number; times?: number }
  /** Sends the first `bytes` bytes, then stops sending (without closing). */
  | { kind: "stall"; bytes: number; times?: number }
  /** Flips one byte at `offset` of the body. */
  | { kind: "corrupt"; offset: number; times?: number }
  /** Waits before answering at all. */
  | { kind: "delay"; ms: number; times?: number }
  /** Ignores Range and always sends 200 with the whole file. */
  | { kind: "no-ranges"; times?: number };

export class MirrorServer {
  readonly log: LoggedRequest[] = [];
  readonly faults = new Map<string, Fault>();
  /** Called with each request as it is logged (a mirror in its own process reports it). */
  onLog?: (entry: LoggedRequest) => void;
  /**
   * Bytes per second for all bodies together (a mirror behind a slow link),
   * or undefined for no limit. Limited bodies go out in 64 KiB chunks.
   */
  rateLimit: number | undefined;
  /** Body bytes actually handed to the network, per path (a cut-off transfer counts what went). */
  readonly sent = new Map<string, number>();
  #nextSlot = 0; // when the shared link is free again (performance.now())
  #server: Deno.HttpServer<Deno.NetAddr>;
  #stalled = new Set<ReadableStreamDefaultController<Uint8Array>>();
  readonly port: number;

  private constructor(readonly root: string, server: Deno.HttpServer<Deno.NetAddr>, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Serves `root`; with `tls` (a certificate and its key, PEM) over https only. */
  static async start(
    root: string,
    hostname = "127.0.0.1",
    port = 0,
    tls?: { readonly cert: string; readonly key: string },
  ): Promise<MirrorServer> {
    const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
    // deno-lint-ignore prefer-const
    let instance: MirrorServer;
    const server = Deno.serve(
      { hostname, port, onListen: resolve, ...tls },
      (request) => instance.#handle(request),
    );
    const address = await promise;
    instance = new MirrorServer(root, server, address.port);
    return instance;
  }

  /** `http://127.0.0.1:<port>` */
  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `127.0.0.1:<port>`, the site part of a rewrite-mode URL. */
  get authority(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Requests whose path ends with `suffix`. */
  requestsFor(suffix: string): LoggedRequest[] {
    return this.log.filter((r) => r.path.endsWith(suffix));
  }

  async stop(): Promise<void> {
    for (const controller of this.#stalled) {
      try {
        controller.error(new Error("server stopping"));
      } catch { /* already closed */ }
    }
    await this.#server.shutdown();
  }

  #takeFault(path: string): Fault | undefined {
    const fault = this.faults.get(path);
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      if (fault.times <= 1) this.faults.delete(path);
      else fault.times--;
    }
    return fault;
  }

  async #handle(request: Request): Promise<Response> {
    const path = decodeURIComponent(new URL(request.url).pathname);
    const respond = (status: number, body: BodyInit | null, headers: HeadersInit = {}) => {
      const length = body instanceof Uint8Array && request.method !== "HEAD" ? body.length : 0;
      const entry = {
        method: request.method,
        path,
        status,
        headers: request.headers,
        bytes: length,
      };
      this.log.push(entry);
      this.onLog?.(entry);
      return new Response(body, { status, headers });
    };
    const fault = this.#takeFault(path);
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "status") return respond(fault.status, `fault ${fault.status}\n`);
    let data: Uint8Array<ArrayBuffer>;
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(this.root + path);
      if (!stat.isFile) return respond(404, "not a file\n");
      data = await Deno.readFile(this.root + path);
    } catch {
      return respond(404, "not found\n");
    }
    const lastModified = (stat.mtime ?? new Date(0)).toUTCString();
    const etag = `"${stat.size.toString(16)}-${(stat.mtime?.getTime() ?? 0).toString(16)}"`;
    const headers: Record<string, string> = {
      "last-modified": lastModified,
      etag,
      "accept-ranges": "bytes",
    };
    if (request.headers.get("if-none-match") === etag) return respond(304, null, headers);
    const since = Date.parse(request.headers.get("if-modified-since") ?? "");
    if (
      !request.headers.has("if-none-match") && Number.isFinite(since) &&
      Date.parse(lastModified) <= since
    ) {
      return respond(304, null, headers);
    }
    if (fault?.kind === "corrupt") {
      data = data.slice();
      data[fault.offset] ^= 0xff;
    }
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get("range") ?? "");
    const ifRange = request.headers.get("if-range");
    if (
      range && fault?.kind !== "no-ranges" &&
      (!ifRange || ifRange === etag || ifRange === lastModified)
    ) {
      const start = Number(range[1]);
      const end = range[2] === "" ? data.length - 1 : Math.min(Number(range[2]), data.length - 1);
      headers["content-range"] = `bytes ${start}-${end}/${data.length}`;
      data = data.subarray(start, end + 1);
      status = 206;
    }
    headers["content-length"] = String(data.length);
    if (request.method === "HEAD") return respond(status, null, headers);
    if (fault?.kind === "cut" || fault?.kind === "stall") {
      const head = data.subarray(0, fault.bytes);
      const stalled = this.#stalled;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
          if (fault.kind === "cut") {
            setTimeout(() => controller.error(new Error("cut by test")), 20);
          } else {
            stalled.add(controller);
          }
        },
      });
      return respond(status, body, headers);
    }
    if (this.rateLimit !== undefined) return respond(status, this.#paced(path, data), headers);
    this.sent.set(path, (this.sent.get(path) ?? 0) + data.length);
    return respond(status, data, headers);
  }

  /** Body bytes sent for paths ending with `suffix`. */
  sentFor(suffix: string): number {
    let total = 0;
    for (const [path, bytes] of this.sent) if (path.endsWith(suffix)) total += bytes;
    return total;
  }

  /** `data` at the shared rate: each chunk waits for its slot on the one link. */
  #paced(path: string, data: Uint8Array): ReadableStream<Uint8Array> {
    const chunk = 64 * 1024;
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (at >= data.length) return controller.close();
        const part = data.subarray(at, Math.min(data.length, at + chunk));
        const now = performance.now();
        const slot = Math.max(now, this.#nextSlot);
        this.#nextSlot = slot + (part.length / this.rateLimit!) * 1000;
        if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
        at += part.length;
        this.sent.set(path, (this.sent.get(path) ?? 0) + part.length);
        controller.enqueue(part);
      },
    }, { highWaterMark: 0 });
  }
}
