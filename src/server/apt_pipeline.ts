/**
 * The apt pipeline: for one archive file, look up its expected hash, serve
 * the cache when the cached copy is right, otherwise join or start the one
 * shared download of it and stream that to apt.
 *
 * @module
 */

import type { ArchiveIndex, IndexEntry } from "../apt/mod.ts";
import { isImmutable } from "../apt/mod.ts";
import type { CachedFile, CacheStore } from "../cache/mod.ts";
import type { MirrorClient } from "../fetch/mod.ts";
import type { Logger } from "../log/mod.ts";
import { Download, type DownloadOutcome } from "./download.ts";
import { openFileSlice, respondWithBody } from "./http_response.ts";
import type { ArchiveTarget } from "./request_target.ts";

/** Tunables of the pipeline (from the config). */
export interface PipelineOptions {
  /** Milliseconds an index file is served from the cache without asking the mirror. */
  readonly indexFreshnessMs: number;
  /** Resumes allowed per upstream after an interrupted transfer. */
  readonly resumeAttempts: number;
  /** Longest wait for an index that is being parsed before a lookup goes ahead. */
  readonly ingestWaitMs: number;
}

/** Where a response's bytes came from, for logs, headers and statistics. */
export type Source = "cache" | "mirror" | "revalidated" | "stale" | "none";

/** A response and where it came from. */
export interface PipelineResult {
  readonly response: Response;
  readonly source: Source;
}

/** Serves archive files to apt from the cache or the mirrors. */
export class AptPipeline {
  readonly #downloads = new Map<string, Download>();

  constructor(
    private readonly deps: {
      readonly cache: CacheStore;
      readonly index: ArchiveIndex;
      readonly client: MirrorClient;
      readonly log: Logger;
    },
    private readonly options: PipelineOptions,
    private readonly now = Date.now,
  ) {}

  /** Downloads in progress (for status and tests). */
  get activeDownloads(): number {
    return this.#downloads.size;
  }

  /** Resolves when every download in progress has ended. */
  async idle(): Promise<void> {
    while (this.#downloads.size) {
      await Promise.allSettled([...this.#downloads.values()].map((d) => d.done));
    }
  }

  /** Answers one GET or HEAD for an archive file. */
  async handle(request: Request, target: ArchiveTarget): Promise<PipelineResult> {
    const { cache, index } = this.deps;
    if (index.busy) await withTimeout(index.settled(), this.options.ingestWaitMs);
    const expected = index.lookup(target.key);
    const cached = await cache.lookup(target.key);

    if (cached) {
      const verdict = this.#judgeCached(target.key, cached, expected);
      if (verdict === "serve") {
        return { response: await serveCached(request, cached, "cache"), source: "cache" };
      }
      if (verdict === "revalidate") {
        return await this.#revalidate(request, target, cached, expected);
      }
    }
    if (request.method === "HEAD" && !this.#downloads.has(target.key)) {
      return await this.#head(target);
    }
    const download = this.#downloadFor(target, expected, undefined);
    return await this.#answerFrom(request, download, await download.outcome, undefined);
  }

  /** Is the cached copy good as it is, worth a conditional request, or stale? */
  #judgeCached(
    key: string,
    cached: CachedFile,
    expected: IndexEntry | undefined,
  ): "serve" | "revalidate" | "stale" {
    if (expected?.sha256) return expected.sha256 === cached.sha256 ? "serve" : "stale";
    if (expected?.size !== undefined && expected.size !== cached.size) return "stale";
    if (isImmutable(key)) return "serve";
    const fresh = this.now() - cached.checkedAt < this.options.indexFreshnessMs;
    return fresh ? "serve" : "revalidate";
  }

  async #revalidate(
    request: Request,
    target: ArchiveTarget,
    cached: CachedFile,
    expected: IndexEntry | undefined,
  ): Promise<PipelineResult> {
    const validators = { etag: cached.etag, lastModified: cached.lastModified };
    const download = this.#downloadFor(target, expected, validators);
    const outcome = await download.outcome;
    if (outcome.kind === "not-modified") {
      this.deps.cache.markChecked(target.key);
      return { response: await serveCached(request, cached, "revalidated"), source: "revalidated" };
    }
    if (outcome.kind === "failed" || (outcome.kind === "status" && outcome.status >= 500)) {
      // The mirror is unreachable or broken: an index we have beats no index at all.
      const reason = outcome.kind === "failed"
        ? outcome.reason
        : `upstream answered ${outcome.status}`;
      this.deps.log.warn("pipeline.serving_stale", { key: target.key, reason });
      return { response: await serveCached(request, cached, "stale"), source: "stale" };
    }
    if (outcome.kind === "status" && (outcome.status === 404 || outcome.status === 410)) {
      await this.deps.cache.remove(target.key);
    }
    return await this.#answerFrom(request, download, outcome, cached);
  }

  /** The shared download for this file, started if there is none. */
  #downloadFor(
    target: ArchiveTarget,
    expected: IndexEntry | undefined,
    validators: { etag?: string; lastModified?: string } | undefined,
  ): Download {
    const running = this.#downloads.get(target.key);
    if (running) return running;
    const download = new Download({
      key: target.key,
      upstreams: target.upstreams,
      expected,
      validators,
      resumeAttempts: this.options.resumeAttempts,
    }, {
      client: this.deps.client,
      cache: this.deps.cache,
      log: this.deps.log,
      onCommitted: (file) => this.deps.index.ingestInBackground(file.key, file.path),
    });
    this.#downloads.set(target.key, download);
    download.done.finally(() => this.#downloads.delete(target.key));
    return download;
  }

  async #answerFrom(
    request: Request,
    download: Download,
    outcome: DownloadOutcome,
    cached: CachedFile | undefined,
  ): Promise<PipelineResult> {
    switch (outcome.kind) {
      case "body": {
        const response = await respondWithBody(
          request,
          { size: outcome.size, lastModified: outcome.lastModified, etag: outcome.etag },
          (start, end) => download.stream(start, end),
          { "x-apt-dht-source": "mirror" },
        );
        return { response, source: "mirror" };
      }
      case "not-modified": // a revalidation we joined; the copy is good
        if (cached) {
          return {
            response: await serveCached(request, cached, "revalidated"),
            source: "revalidated",
          };
        }
        return {
          response: textResponse(502, "upstream answered 304 to an unconditional request"),
          source: "none",
        };
      case "status":
        return {
          response: textResponse(outcome.status, `upstream answered ${outcome.status}`),
          source: "none",
        };
      case "failed":
        return {
          response: textResponse(502, `no upstream could deliver: ${outcome.reason}`),
          source: "none",
        };
    }
  }

  /** HEAD for a file not in the cache: ask the mirror, fetch nothing. */
  async #head(target: ArchiveTarget): Promise<PipelineResult> {
    for (const url of target.upstreams) {
      try {
        const upstream = await this.deps.client.request({ url, method: "HEAD" });
        upstream.cancel();
        if (upstream.status >= 500 && url !== target.upstreams.at(-1)) continue;
        const headers = new Headers({ "x-apt-dht-source": "mirror" });
        for (const name of ["content-length", "last-modified", "etag", "content-type"]) {
          const value = upstream.headers.get(name);
          if (value !== null) headers.set(name, value);
        }
        return {
          response: new Response(null, { status: upstream.status, headers }),
          source: "mirror",
        };
      } catch (error) {
        this.deps.log.warn("pipeline.head_failed", { key: target.key, upstream: url, error });
      }
    }
    return { response: textResponse(502, "no upstream answered"), source: "none" };
  }
}

/** Serves a committed cache file. */
function serveCached(request: Request, file: CachedFile, source: Source): Promise<Response> {
  return respondWithBody(
    request,
    {
      size: file.size,
      lastModified: file.lastModified ?? new Date(file.mtime).toUTCString(),
      etag: file.etag,
    },
    (start, end) => openFileSlice(file.path, start, end),
    { "x-apt-dht-source": source },
  );
}

/** A short plain-text response (errors, refusals). */
export function textResponse(status: number, text: string): Response {
  return new Response(status === 304 ? null : text + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => timer = setTimeout(resolve, ms))]);
  clearTimeout(timer);
}
