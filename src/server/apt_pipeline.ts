/**
 * The apt pipeline: for one archive file, look up its expected hash, serve
 * the cache when the cached copy is right, otherwise join or start the one
 * shared download of it and stream that to apt.
 *
 * @module
 */

import type { ArchiveIndex, IndexEntry } from "../apt/mod.ts";
import { isImmutable } from "../apt/mod.ts";
import type { CachedFile, CacheStore, OpenCachedFile } from "../cache/mod.ts";
import { type MirrorClient, readBounded } from "../fetch/mod.ts";
import { hasHash } from "../hash/mod.ts";
import type { Logger } from "../log/mod.ts";
import { urlHost } from "../net/mod.ts";
import {
  ActiveDownloads,
  Download,
  type DownloadOutcome,
  type DownloadPeers,
  fileByHashPath,
  FLEET_FIRST_LOOK,
  FLEET_MAX_HOLDERS,
  type GrowingFile,
  type PeerRef,
  signedReleasePath,
  SourcePlan,
} from "../transfer/mod.ts";
import { respondWithBody, textResponse } from "./http_response.ts";
import { serveCached } from "./cached_response.ts";
import type { PeerFinder, PeerRecords } from "../peers/mod.ts";

import type { ArchiveTarget } from "./request_target.ts";
import { noPeersBecause, requestSteps } from "./request_steps.ts";
import { isDetachedRelease, readReleaseSignature, signatureTargetOf } from "./signed_release.ts";
import type { PublicKey } from "openpgp";
import type { SignatureVerdict } from "../trust/mod.ts";

/** Longest Release.gpg read (Debian's, with its several signatures, is about 1 KB). */
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** Tunables of the pipeline (from the config). */
export interface PipelineOptions {
  /** Milliseconds an index file is served from the cache without asking the mirror. */
  readonly indexFreshnessMs: number;
  /** Resumes allowed per upstream after an interrupted transfer. */
  readonly resumeAttempts: number;
  /** Longest wait for an index that is being parsed before a lookup goes ahead. */
  readonly ingestWaitMs: number;
}

/** What the pipeline needs to use peers; absent without a DHT. */
export interface PipelinePeers {
  /** Finds peers for files with a known hash. */
  readonly finder: PeerFinder;
  /** Peers' records: how the peers found are ranked. */
  readonly records: PeerRecords;
  /** Reads what other daemons' votes say of the peers found, before they are ranked. */
  readonly reputation?: { screen(peers: readonly PeerRef[]): Promise<void> };
  /** What downloads use of peers: their client, and where their results go. */
  readonly downloads: DownloadPeers;
  /** The keys apt trusts: a Release from peers must carry a good signature by one. */
  readonly releaseKeys?: () => Promise<readonly PublicKey[]>;
  /** Files with a trusted hash are shared while they download (`peers.share_downloads`). */
  readonly shareDownloads?: boolean;
  /** Told when such a download starts (the announcer tells the DHT at once), and when it ends. */
  readonly onSharing?: (
    key: string,
    sha256: string,
    done: Promise<CachedFile | undefined>,
  ) => void;
}

/** Where a response's bytes came from, for logs, headers and statistics. */
export type Source = "cache" | "peer" | "mirror" | "revalidated" | "stale" | "none";

/** A response and where it came from. */
export interface PipelineResult {
  readonly response: Response;
  readonly source: Source;
  /** The URL a download came from, for the request log. */
  readonly upstream?: string;
}

/** Serves archive files to apt from the cache or the mirrors. */
export class AptPipeline {
  readonly #downloads = new ActiveDownloads();

  constructor(
    private readonly deps: {
      readonly cache: CacheStore;
      readonly index: ArchiveIndex;
      readonly client: MirrorClient;
      readonly log: Logger;
      /**
       * Told of every verified commit, at once (the daemon's "committed" event: the index
       * reads an index, the announcer tells the DHT, the keeper counts the cache's size).
       */
      readonly onCommitted?: (file: CachedFile) => void;
      /** The disk is full: downloads still reach apt, from memory, but are not cached. */
      readonly onDiskFull?: (error: Error) => void;
      /** Peers, once the DHT runs. */
      readonly peers?: PipelinePeers;
    },
    private options: PipelineOptions,
    private readonly now = Date.now,
  ) {}

  /** Uses `options` from the next request on (a config reload). */
  reconfigure(options: PipelineOptions): void {
    this.options = options;
  }

  /** Downloads in progress (for status and tests). */
  get activeDownloads(): number {
    return this.#downloads.size;
  }

  /** A download in progress that peers may follow (a file shared while it downloads). */
  growing(sha256: string): GrowingFile | undefined {
    return this.#downloads.withSha256(sha256)?.growing;
  }

  /** Resolves when every download in progress has ended. */
  idle(): Promise<void> {
    return this.#downloads.idle();
  }

  /** Aborts every download in progress (shutdown); none of them is committed. */
  abortAll(reason: string): void {
    this.#downloads.abortAll(reason);
  }

  /** Answers one GET or HEAD for an archive file. */
  async handle(request: Request, target: ArchiveTarget): Promise<PipelineResult> {
    const { cache, index } = this.deps;
    const step = requestSteps(this.deps.log, target.key);
    let expected = index.lookup(target.key);
    const started = performance.now();
    if (!expected && index.busyFor(target.key)) {
      // An index that may list this file is still arriving or being read (apt asks for
      // Packages right after InRelease, pool files right after Packages): wait for it.
      await withTimeout(index.settledFor(target.key), this.options.ingestWaitMs);
      expected = index.lookup(target.key);
    }
    step?.("lookup", {
      listed: !!expected,
      hash: expected?.sha256 ? "sha256" : hasHash(expected) ? "weaker" : "none",
      sha256: expected?.sha256, // what request.peers looks up
      trusted: expected?.trusted ?? false,
      size: expected?.size,
      waited_ms: Math.round(performance.now() - started),
    });
    if (isDetachedRelease(target.key) && request.method === "GET" && this.deps.peers?.releaseKeys) {
      const signed = await this.#signedRelease(request, target);
      if (signed) return signed;
    }
    const cached = cache.open(target.key);

    if (cached) {
      const verdict = this.#judgeCached(target.key, cached, expected);
      step?.("cached", { verdict, sha256_listed: !!expected?.sha256 });
      if (verdict === "serve") {
        return { response: await serveCached(request, cached, "cache"), source: "cache" };
      }
      if (verdict === "revalidate") {
        return await this.#revalidate(request, target, cached, expected);
      }
      cached.file.close();
    }
    if (expected?.sha256) {
      // The same content may be cached under another URL (by-hash and canonical names,
      // an alias and its host): serve that, and keep it under this URL too.
      const twin = cache.openBySha256(expected.sha256);
      if (twin) step?.("source", { source: "cache", why: `same content as ${twin.key}` });
      if (twin?.shared) {
        // In a shared directory (e.g. apt's own archives): served from there, not copied.
        return { response: await serveCached(request, twin, "cache"), source: "cache" };
      }
      if (twin) {
        // Linked, then read as an index if it is one (under this URL it may list other paths).
        index.ingestExpected(target.key);
        const linked = cache.linkAs(twin, target.key)
          .then(() => index.ingestInBackground(target.key, cache.pathOf(target.key)))
          .catch((error) =>
            this.deps.log.warn("cache.link_failed", { key: target.key, from: twin.key, error })
          );
        index.track(linked, target.key);
        return { response: await serveCached(request, twin, "cache"), source: "cache" };
      }
    }
    const running = this.#downloads.find(target.key, expected?.sha256);
    if (running?.isRevalidation) {
      // It may end in a 304 for a copy this request cannot use: wait for it, then look again.
      await running.done;
      this.#downloads.forget(target.key, running);
      return await this.handle(request, target);
    }
    if (request.method === "HEAD" && !running) {
      return await this.#head(target);
    }
    const search = running ? undefined : this.#peersOf(expected);
    step?.("source", {
      source: "download",
      why: running ? "joins the download in progress" : search ? "new: peers looked up" : "new",
      peers: running ? undefined : search ? "asked" : noPeersBecause(!!this.deps.peers, expected),
    });
    const download = running ?? this.#downloadFor(target, expected, undefined, search);
    return await this.#answerFrom(request, download, await download.outcome);
  }

  /**
   * A Release by its detached signature (signed_release.ts): the cached copy
   * if the current Release.gpg verifies it, else a download that tries the
   * peers holding it. Undefined: no usable signature, go the usual way.
   */
  async #signedRelease(
    request: Request,
    target: ArchiveTarget,
  ): Promise<PipelineResult | undefined> {
    const { cache } = this.deps;
    const releaseKeys = this.deps.peers?.releaseKeys;
    if (!releaseKeys || this.#downloads.has(target.key)) return undefined;
    const gpgTarget = signatureTargetOf(target);
    const gpg = await this.handle(new Request(request.url + ".gpg"), gpgTarget)
      .catch(() => undefined);
    if (gpg?.response.status !== 200) {
      await gpg?.response.body?.cancel();
      return undefined;
    }
    const bytes = await readBounded(gpg.response.body, MAX_SIGNATURE_BYTES, gpgTarget.key)
      .catch(() => new Uint8Array(0));
    // Committed (and so readable by the Release's own check) before the Release is fetched.
    await this.#downloads.find(gpgTarget.key)?.done;
    const signature = bytes.length ? await readReleaseSignature(bytes, releaseKeys) : undefined;
    if (!signature) return undefined;
    const cached = cache.open(target.key);
    if (cached) {
      if ((await signature.verifyFile(cached.path)).ok) {
        cache.markChecked(target.key);
        return { response: await serveCached(request, cached, "cache"), source: "cache" };
      }
      cached.file.close();
    }
    if (this.#downloads.has(target.key)) return undefined; // started while we looked
    const download = this.#downloadFor(
      target,
      undefined,
      undefined,
      { peers: this.#peersHolding(signature.key), path: signedReleasePath(signature.key) },
      (path) => signature.verifyFile(path),
    );
    return await this.#answerFrom(request, download, await download.outcome);
  }

  /**
   * The peers announced under `key` (hex), best first; `max` for more than the usual few;
   * `patient` to look the whole `peers.wait` (the fleet's later looks).
   */
  async #peersHolding(key: string, max?: number, patient = false): Promise<readonly PeerRef[]> {
    const peers = this.deps.peers;
    if (!peers) return [];
    const started = performance.now();
    const candidates = await peers.finder.find(key, max, { patient });
    await peers.reputation?.screen(candidates);
    const found = peers.records.rank(candidates);
    if (this.deps.log.enabled("debug")) {
      this.deps.log.debug("request.peers", {
        lookup: key,
        found: found.length,
        peers: found.map((p) => `${urlHost(p.address)}:${p.port}`).join(",") || undefined,
        ms: Math.round(performance.now() - started),
      });
    }
    return found;
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

  /** Asks the mirror whether the cached copy is current; serves it, or what replaced it. Closes `cached`. */
  async #revalidate(
    request: Request,
    target: ArchiveTarget,
    cached: OpenCachedFile,
    expected: IndexEntry | undefined,
  ): Promise<PipelineResult> {
    const validators = { etag: cached.etag, lastModified: cached.lastModified };
    const download = this.#downloadFor(target, expected, validators);
    let outcome: DownloadOutcome;
    try {
      outcome = await download.outcome;
    } catch (error) {
      cached.file.close();
      throw error;
    }
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
    cached.file.close();
    if (outcome.kind === "status" && (outcome.status === 404 || outcome.status === 410)) {
      await this.deps.cache.remove(target.key);
    }
    return await this.#answerFrom(request, download, outcome);
  }

  /** Peers that hold a file with a known hash, best first (small files come whole, large ones in pieces). */
  #peersOf(expected: IndexEntry | undefined): PeerSearch | undefined {
    const sha256 = expected?.sha256;
    // Only hashes that trace back to a verified signature: a hash from an unverified Release is
    // the mirror's word alone, good enough to check the mirror's bytes but not a peer's.
    if (!this.deps.peers || !sha256 || expected.size === undefined || !expected.trusted) {
      return undefined;
    }
    if (!this.deps.peers.shareDownloads) {
      return { peers: this.#peersHolding(sha256), path: fileByHashPath(sha256) };
    }
    // Shared while it downloads: holders of part of it count too. The first look stops at a
    // few, as usual (a whole copy among them is enough); the fleet looks wider when it needs to.
    const lookup = () => this.#peersHolding(sha256, FLEET_MAX_HOLDERS, true);
    const peers = this.#peersHolding(sha256, FLEET_FIRST_LOOK);
    return { peers, path: fileByHashPath(sha256), fleet: { lookup } };
  }

  /** The shared download for this file, started if there is none. */
  #downloadFor(
    target: ArchiveTarget,
    expected: IndexEntry | undefined,
    validators: { etag?: string; lastModified?: string } | undefined,
    search?: PeerSearch,
    verifyPeer?: (path: string) => Promise<SignatureVerdict>,
  ): Download {
    const running = this.#downloads.find(target.key, expected?.sha256);
    if (running) return running;
    const download = new Download({
      key: target.key,
      upstreams: target.upstreams,
      peers: search?.peers,
      peerPath: search?.path,
      fleet: search?.fleet,
      expected,
      announce: expected?.trusted === true && hasHash(expected),
      validators,
      resumeAttempts: this.options.resumeAttempts,
      verifyPeer,
    }, {
      client: this.deps.client,
      peers: this.deps.peers?.downloads,
      cache: this.deps.cache,
      log: this.deps.log,
      onDiskFull: this.deps.onDiskFull,
      onCommitted: this.deps.onCommitted,
    });
    this.#downloads.add(target.key, download, expected?.sha256);
    if (search?.fleet && expected?.sha256) {
      this.deps.peers?.onSharing?.(target.key, expected.sha256, download.done);
    }
    this.deps.index.expectDownload(target.key, expected?.name ?? target.key, download.done);
    return download;
  }

  async #answerFrom(
    request: Request,
    download: Download,
    outcome: DownloadOutcome,
  ): Promise<PipelineResult> {
    switch (outcome.kind) {
      case "body": {
        const response = await respondWithBody(
          request,
          { size: outcome.size, lastModified: outcome.lastModified, etag: outcome.etag },
          (start, end) => download.stream(start, end),
          { "x-apt-dht-source": outcome.source },
        );
        return { response, source: outcome.source, upstream: outcome.upstream };
      }
      case "not-modified": // only revalidations ask for a 304, and they answer it themselves
        return { response: textResponse(502, "unexpected 304 from upstream"), source: "none" };
      case "status": {
        // An error passes on as it is; anything else that is not the file (a 204, a 3xx
        // left unfollowed, a status HTTP does not define) is the gateway's failure.
        const { status } = outcome;
        const passed = status >= 400 && status <= 599 ? status : 502;
        return { response: textResponse(passed, `upstream answered ${status}`), source: "none" };
      }
      case "failed":
        return {
          response: textResponse(502, `no upstream could deliver: ${outcome.reason}`),
          source: "none",
        };
    }
  }

  /** HEAD for a file not in the cache: ask the mirror, fetch nothing. */
  async #head(target: ArchiveTarget): Promise<PipelineResult> {
    for (const { url } of new SourcePlan({ upstreams: target.upstreams })) {
      try {
        const upstream = await this.deps.client.request({ url, method: "HEAD" });
        upstream.cancel();
        if (upstream.status >= 500 && url !== target.upstreams.at(-1)) continue;
        const headers = new Headers({ "x-apt-dht-source": "mirror" });
        for (const name of ["content-length", "last-modified", "etag", "content-type"]) {
          const value = upstream.headers.get(name);
          if (value !== null) headers.set(name, value);
        }
        const status = upstream.status >= 200 && upstream.status <= 599 ? upstream.status : 502;
        return { response: new Response(null, { status, headers }), source: "mirror" };
      } catch (error) {
        this.deps.log.warn("pipeline.head_failed", { key: target.key, upstream: url, error });
      }
    }
    return { response: textResponse(502, "no upstream answered"), source: "none" };
  }
}

/** Peers being looked up for a file, and the file's path at each. */
interface PeerSearch {
  readonly peers: Promise<readonly PeerRef[]>;
  readonly path: string;
  /** Set when the file is shared while it downloads. */
  readonly fleet?: { readonly lookup: () => Promise<readonly PeerRef[]> };
}

/** Waits for `promise`, but no longer than `ms`. */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  const timeout = AbortSignal.timeout(ms);
  await Promise.race([
    promise,
    new Promise((resolve) => timeout.addEventListener("abort", resolve, { once: true })),
  ]);
}
