/**
 * The listing worker's side: a Worker at the lowest CPU priority that
 * reads Packages and Sources files into the database, with a connection
 * of its own, one at a time, and answers each job with its count or its
 * error. Loaded as a module of its own, or as the program's main module
 * (the bundle and the compiled binary are one file), which then calls
 * {@link serveListingJobs} instead of running the command line.
 *
 * @module
 */

import os from "node:os";
import { DatabaseSync } from "node:sqlite";
import { LISTING_WORKER_NAME, LISTING_WORKER_NICENESS } from "../constants.ts";
import type { ListingJob } from "./context.ts";
import { IndexWrites } from "./index_writes.ts";
import { ListingContents } from "./listing_contents.ts";
import { type ListingStore, readListing } from "./listing.ts";

/** A job as posted to the worker: the listing, the database file and the job's number. */
export interface ListingRequest extends ListingJob {
  readonly id: number;
  readonly database: string;
}

/** The worker's answer to one job. */
export type ListingReply =
  | { readonly id: number; readonly entries: number; readonly reused?: boolean }
  | { readonly id: number; readonly error: string };

/** Whether this code runs in the listing worker. */
export function isListingWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
      "undefined" && (globalThis as { name?: string }).name === LISTING_WORKER_NAME;
}

/**
 * Lowers this thread's priority (Linux's nice is per thread; the main
 * thread keeps its own). Without the permission or the system call, the
 * worker still keeps the serving thread free.
 */
function lowerPriority(): void {
  try {
    os.setPriority(0, LISTING_WORKER_NICENESS);
  } catch { /* not allowed here: runs at the daemon's priority */ }
}

/** Serves the jobs posted to this worker, in order, until it is ended. */
export function serveListingJobs(): void {
  lowerPriority();
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<ListingRequest>) => void;
    postMessage: (reply: ListingReply) => void;
  };
  const connections = new Map<string, ListingStore>();
  const storeOf = (database: string) => {
    let store = connections.get(database);
    if (!store) {
      // The daemon opened and migrated it; this is a second connection to the same file.
      const db = new DatabaseSync(database);
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec("PRAGMA synchronous = NORMAL");
      const writes = new IndexWrites(db);
      store = {
        db,
        contents: new ListingContents(db),
        markListed: (listing, seen) => writes.markListed(listing, seen),
        putVersion: (listing, version, seen) => writes.putVersion(listing, version, seen),
      };
      connections.set(database, store);
    }
    return store;
  };
  let queue = Promise.resolve();
  scope.onmessage = ({ data: job }) => {
    queue = queue.then(async () => {
      try {
        const { entries, reused } = await readListing(storeOf(job.database), job);
        scope.postMessage({ id: job.id, entries, reused });
      } catch (error) {
        const { name, message } = error as Error;
        scope.postMessage({ id: job.id, error: `${name}: ${message}` });
      }
    });
  };
}

if (isListingWorker()) serveListingJobs();
