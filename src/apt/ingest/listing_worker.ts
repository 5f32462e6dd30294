/**
 * The serving thread's side of the listing worker: hands it Packages and
 * Sources files to read, started when the first arrives and ended when it
 * has been idle a while (its memory goes back). A worker that dies fails
 * the jobs it held; the next job starts a new one.
 *
 * @module
 */

import { LISTING_WORKER_IDLE_MS, LISTING_WORKER_NAME } from "../constants.ts";
import type { IngestResult, ListingJob, ListingReader } from "./context.ts";
import type { ListingReply, ListingRequest } from "./worker.ts";

/** The worker module when none is given: this folder's, as in the source tree. */
const WORKER_MODULE = new URL("./worker.ts", import.meta.url);

/** Module that runs the worker: the bundle and the compiled binary name themselves. */
let workerModule: URL | string = WORKER_MODULE;

/**
 * Makes `module` the one listing workers run: the program's main module,
 * when it is a single file (bundle, compiled binary) that serves listing
 * jobs when started as the worker.
 */
export function useListingWorkerModule(module: URL | string): void {
  workerModule = module;
}

/** An ingest failed in the worker; its message is the worker's error's. */
export class ListingIngestError extends Error {
  override name = "ListingIngestError";
}

interface Waiting {
  readonly resolve: (result: IngestResult) => void;
  readonly reject: (error: Error) => void;
  readonly kind: string;
}

/** When listings are read. */
export interface ListingWorkerOptions {
  /** How long an idle worker is kept. */
  readonly idleMs?: number;
  /**
   * Resolves when a listing may be read (apt's burst is over); resolves at
   * once when `signal` aborts ({@link ListingWorker.hurry}). Default: at once.
   */
  readonly startWhen?: (signal: AbortSignal) => Promise<void>;
}

/**
 * Reads listings into the database file `database` in a Worker at low
 * priority, each once `startWhen` lets it (or a lookup hurries it).
 */
export class ListingWorker implements ListingReader {
  #worker: Worker | undefined;
  #hurry = new AbortController();
  #waiting = new Map<number, Waiting>();
  #nextId = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  readonly idleMs: number;
  readonly #startWhen: ((signal: AbortSignal) => Promise<void>) | undefined;

  constructor(readonly database: string, options: ListingWorkerOptions = {}) {
    this.idleMs = options.idleMs ?? LISTING_WORKER_IDLE_MS;
    this.#startWhen = options.startWhen;
  }

  /** Whether a worker is running now (for tests: it ends when idle). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  async read(job: ListingJob): Promise<IngestResult> {
    const asked = performance.now();
    if (this.#startWhen && !this.#stopped) await this.#startWhen(this.#hurry.signal);
    const waitedMs = Math.round(performance.now() - asked);
    if (this.#stopped) throw new ListingIngestError("the daemon is stopping");
    clearTimeout(this.#idleTimer);
    const worker = this.#worker ??= this.#start();
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<IngestResult>();
    this.#waiting.set(id, { resolve, reject, kind: job.kind });
    worker.postMessage({ ...job, id, database: this.database } satisfies ListingRequest);
    const result = await promise;
    return waitedMs > 0 ? { ...result, waitedMs } : result;
  }

  /** Listings waiting their turn are read now. */
  hurry(): void {
    this.#hurry.abort();
    this.#hurry = new AbortController();
  }

  /** Ends the worker; jobs it still held fail, and those waiting their turn. */
  stop(): void {
    this.#stopped = true;
    this.hurry();
    this.#end(new ListingIngestError("the daemon is stopping"));
  }

  #start(): Worker {
    const worker = new Worker(workerModule, { type: "module", name: LISTING_WORKER_NAME });
    worker.onmessage = ({ data }: MessageEvent<ListingReply>) => {
      const waiting = this.#waiting.get(data.id);
      if (!waiting) return;
      this.#waiting.delete(data.id);
      if ("error" in data) waiting.reject(new ListingIngestError(data.error));
      else {
        const { entries, reused } = data;
        waiting.resolve({ kind: waiting.kind, entries, ...(reused ? { reused } : {}) });
      }
      if (this.#waiting.size === 0) {
        this.#idleTimer = setTimeout(() => this.#end(), this.idleMs);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault(); // the worker's failure is its jobs', not the daemon's
      this.#end(new ListingIngestError(`the listing worker failed: ${event.message}`));
    };
    return worker;
  }

  #end(error?: Error): void {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const waiting of this.#waiting.values()) {
      waiting.reject(error ?? new ListingIngestError("the listing worker ended"));
    }
    this.#waiting.clear();
  }
}
