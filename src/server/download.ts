/**
 * One shared download of one file: fetched once from the mirrors into a temp
 * file under `<cache>/.partial/`, hashed as it arrives, committed to the cache
 * only when complete and verified, and read by any number of clients while it
 * grows (each at its own pace, so a slow client never slows the others).
 *
 * Safety rules:
 * - With a known hash, the last byte is held back until the whole file has
 *   verified, so apt gets an error, never a complete wrong file.
 * - When a transfer restarts (a mirror's 200 to a resume, or the next
 *   upstream after a mismatch), clients wait until the new bytes have been
 *   compared with what they already received; a client that received a byte
 *   that turns out to differ is cut off rather than given a spliced file.
 *
 * Each source's bytes are an Attempt (attempt.ts); large files from peers
 * come in pieces (piece_rounds.ts).
 *
 * @module
 */

import type { CachedFile, CacheStore } from "../cache/mod.ts";
import {
  type MirrorClient,
  type PieceSourceReport,
  UpstreamError,
  type UpstreamResponse,
} from "../fetch/mod.ts";
import {
  encodePieceList,
  type ExpectedFile,
  hasHash,
  PIECE_BYTES,
  type PieceList,
} from "../hash/mod.ts";
import type { Logger } from "../log/mod.ts";
import { culprits, type PieceClaim } from "../peers/piece_blame.ts";
import { downloadInPieces } from "./piece_rounds.ts";
import { waitForChange } from "../util/change_signal.ts";
import { isDiskFull } from "./held_bytes.ts";
import { Attempt } from "./attempt.ts";

/** What the first usable upstream answer was. */
export type DownloadOutcome =
  | {
    readonly kind: "body";
    readonly size?: number;
    readonly lastModified?: string;
    readonly etag?: string;
    /** Who answered first: a peer or a mirror. */
    readonly source: "peer" | "mirror";
  }
  | { readonly kind: "not-modified" }
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "failed"; readonly reason: string };

/** What to download. */
export interface DownloadRequest {
  readonly key: string;
  /** Full upstream URLs for this file, tried in order. */
  readonly upstreams: readonly string[];
  /**
   * Peer URLs (`http://<peer>/~/<sha256>`), tried before the mirrors. Nothing
   * a peer sends is given out before the whole file has verified, so a lying
   * peer costs time, never a byte; only for small files with a known hash.
   */
  readonly peers?: readonly string[] | Promise<readonly string[]>;
  readonly expected?: ExpectedFile;
  /** Whether peers may be told of the committed file (default: when a hash is expected). */
  readonly announce?: boolean;
  /** Validators of the cached copy: the first upstream is asked for a 304. */
  readonly validators?: { readonly etag?: string; readonly lastModified?: string };
  /** Resumes allowed per upstream after an interrupted transfer. */
  readonly resumeAttempts: number;
  /**
   * A further check of a peer's complete file (a Release against its
   * signature), run before any of it reaches a reader.
   */
  readonly verifyPeer?: (path: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
}

/** How a peer did, for its record and score (the same report whole files and pieces give). */
export type PeerReport = PieceSourceReport;

/** What a download needs from the rest of the daemon. */
export interface DownloadDeps {
  readonly client: MirrorClient;
  /** For peers: shorter timeouts, since the mirror is there to fall back on. */
  readonly peerClient?: MirrorClient;
  readonly cache: CacheStore;
  readonly log: Logger;
  /** A BEP 44 item by key (hex SHA-1): where a small piece list can be had when no peer serves it. */
  readonly getItem?: (key: string) => Promise<Uint8Array | undefined>;
  /** Told how each peer did (its URL, as in `peers`). */
  readonly onPeerReport?: (url: string, report: PeerReport) => void;
  /** Called after a verified commit (index ingestion, later the DHT announce). */
  readonly onCommitted?: (file: CachedFile) => void;
  /** The disk is full: the file goes to apt from memory and is not cached. */
  readonly onDiskFull?: (error: Error) => void;
}

const READ_CHUNK = 256 * 1024;
/** A download shared by every request for the same file. */
export class Download {
  /** Settles once with the first upstream answer that decides what clients get. */
  readonly outcome: Promise<DownloadOutcome>;
  /** Settles when the download has ended: the committed file, or undefined. */
  readonly done: Promise<CachedFile | undefined>;

  #settle!: (outcome: DownloadOutcome) => void;
  #settled = false;
  #attempts = 0;
  #live: Attempt | undefined; // the attempt readers read from
  #available = 0; // bytes of #live that readers may have
  #exposed = 0; // the furthest offset any reader was given
  #poisonAfter = Infinity; // readers past this offset got a byte that proved wrong
  #finished = false;
  #failure: Error | undefined;
  #change = waitForChange();
  /** Pieces peers sent that are suspect until a verified copy settles them. */
  #claims: PieceClaim[] = [];
  readonly #abort = new AbortController();
  /** The mirror address the current attempt went to (the daemon picks them for DNS names). */
  #address: string | undefined;
  /** Per upstream URL, addresses that failed this download. */
  readonly #avoid = new Map<string, Set<string>>();

  constructor(private readonly request: DownloadRequest, private readonly deps: DownloadDeps) {
    this.outcome = new Promise((resolve) => this.#settle = resolve);
    this.done = this.#run();
  }

  /** The key this download is for. */
  get key(): string {
    return this.request.key;
  }

  /** Stops the download (daemon shutdown): nothing is committed, readers get an error. */
  abort(reason = "download aborted"): void {
    this.#abort.abort(new UpstreamError(this.key, "cancelled", reason));
  }

  /** True when this download asks the mirror to confirm a cached copy. */
  get isRevalidation(): boolean {
    return this.request.validators !== undefined;
  }

  /** Bytes received so far by the live attempt (for progress and tests). */
  get received(): number {
    return this.#live?.written ?? 0;
  }

  /**
   * A stream of bytes `[start, end)` of the file, delivered as they arrive
   * and are safe to give out. Errors if the download fails.
   */
  stream(start = 0, end = Infinity): ReadableStream<Uint8Array> {
    let offset = start;
    let file: Deno.FsFile | undefined;
    let fileOf: Attempt | undefined;
    const close = () => {
      file?.close();
      file = undefined;
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (true) {
          if (offset > this.#poisonAfter) {
            close();
            return controller.error(
              new UpstreamError(this.key, "mismatch", "content changed mid-transfer"),
            );
          }
          if (offset >= end || (this.#finished && offset >= this.#available)) {
            close();
            return controller.close();
          }
          if (offset < this.#available && this.#live?.held) {
            close(); // the file is gone: the disk was full
            const part = this.#live.held.read(
              offset,
              Math.min(this.#available - offset, end - offset, READ_CHUNK),
            );
            offset += part.byteLength;
            if (offset > this.#exposed) this.#exposed = offset;
            controller.enqueue(part.slice()); // a copy: the response may outlive the download
            return;
          }
          if (offset < this.#available && this.#live) {
            if (fileOf !== this.#live) {
              close();
              fileOf = this.#live;
              file = await this.#open(fileOf);
              continue; // the attempt may have failed or been replaced meanwhile: look again
            }
            const want = Math.min(this.#available - offset, end - offset, READ_CHUNK);
            const buffer = new Uint8Array(want);
            await file!.seek(offset, Deno.SeekMode.Start);
            const n = await file!.read(buffer);
            if (n === null || n === 0) throw new Error(`short read at ${offset} of ${this.key}`);
            offset += n;
            if (offset > this.#exposed) this.#exposed = offset;
            controller.enqueue(n === want ? buffer : buffer.subarray(0, n));
            return;
          }
          if (this.#failure) {
            close();
            return controller.error(this.#failure);
          }
          await this.#change.wait();
        }
      },
      cancel: close,
    }, { highWaterMark: 0 });
  }

  async #run(): Promise<CachedFile | undefined> {
    const { upstreams, validators } = this.request;
    // Peers may still be being looked up: the download is registered at once, so that
    // every request for the file joins it, and starts when the search is over.
    const peers = await (this.request.peers ?? []);
    const size = this.request.expected?.size ?? 0;
    if (peers.length && size > PIECE_BYTES && this.request.expected?.sha256) {
      // A large file: in checked pieces from all peers at once (and the mirror for what they lack).
      try {
        return await this.#fromPieces(peers);
      } catch (error) {
        this.deps.log.warn("download.pieces_failed", { key: this.key, error });
      }
    }
    const sources = [
      ...(size > PIECE_BYTES ? [] : peers).map((url) => ({ url, peer: true })),
      ...upstreams.map((url) => ({ url, peer: false })),
    ];
    let lastStatus: number | undefined;
    let lastError: Error | undefined;
    const firstMirror = sources.length - upstreams.length;
    for (let i = 0; i < sources.length; i++) {
      const { url, peer } = sources[i];
      if (this.#abort.signal.aborted) break;
      const started = performance.now();
      try {
        const result = await this.#fromUpstream(
          url,
          i === firstMirror ? validators : undefined,
          peer,
        );
        if (result.kind === "status") {
          if (peer) this.deps.onPeerReport?.(url, { kind: "failed" });
          else lastStatus = result.status; // a peer's 404 says nothing about the file
          // A 404 for a file the index lists: that server is behind; another address may not be.
          const listed = result.status === 404 && hasHash(this.request.expected);
          if (!peer && listed && await this.#nextAddress(url)) i--;
          continue;
        }
        if (peer) {
          this.deps.onPeerReport?.(url, {
            kind: "delivered",
            bytes: result.file?.size ?? 0,
            lagMs: result.lagMs,
            totalMs: performance.now() - started,
          });
        }
        return result.file;
      } catch (error) {
        if (peer) {
          const wrong = error instanceof UpstreamError && error.failure === "mismatch";
          this.deps.onPeerReport?.(url, { kind: wrong ? "wrong" : "failed" });
        } else lastError = error as Error;
        this.deps.log.warn(peer ? "download.peer_failed" : "download.upstream_failed", {
          key: this.key,
          upstream: url,
          address: this.#address,
          error,
        });
        const wrong = error instanceof UpstreamError && error.failure === "mismatch";
        if (!peer && wrong && await this.#nextAddress(url)) i--;
      }
    }
    const reason = lastError?.message ?? `upstream answered ${lastStatus}`;
    this.#fail(lastError ?? new UpstreamError(upstreams.at(-1) ?? this.key, "status", reason));
    if (lastStatus !== undefined && !this.#settled) {
      this.#settleWith({ kind: "status", status: lastStatus });
    } else this.#settleWith({ kind: "failed", reason });
    return undefined;
  }

  /**
   * The address `url` last went to failed this download: it is avoided from
   * now on. True when the host has another address to try.
   */
  async #nextAddress(url: string): Promise<boolean> {
    const address = this.#address;
    if (!address) return false;
    const avoid = this.#avoid.get(url) ?? new Set();
    this.#avoid.set(url, avoid);
    avoid.add(address);
    this.deps.client.addressFailed(url, address);
    const another = await this.deps.client.hasOtherAddress(url, avoid);
    if (another) {
      this.deps.log.info("download.next_address", { key: this.key, upstream: url, after: address });
    }
    return another;
  }

  /** Fetches the whole file from one upstream, resuming when cut off; commits when verified. */
  async #fromUpstream(
    url: string,
    validators: DownloadRequest["validators"],
    peer: boolean,
  ): Promise<
    { kind: "status"; status: number } | { kind: "done"; file?: CachedFile; lagMs: number }
  > {
    const { cache, log } = this.deps;
    const started = performance.now();
    const client = peer ? this.deps.peerClient ?? this.deps.client : this.deps.client;
    const signal = this.#abort.signal;
    this.#address = undefined;
    let response = await client.request({
      url,
      signal,
      ifNoneMatch: validators?.etag,
      ifModifiedSince: validators?.lastModified,
      avoid: this.#avoid.get(url),
    });
    this.#address = response.address;
    const lagMs = performance.now() - started;
    if (response.status === 304 && validators) {
      response.cancel();
      this.#finished = true;
      this.#settleWith({ kind: "not-modified" });
      return { kind: "done", lagMs };
    }
    if (response.status !== 200) {
      response.cancel();
      log.info("download.upstream_status", {
        key: this.key,
        upstream: url,
        status: response.status,
      });
      return { kind: "status", status: response.status };
    }
    const expected = this.request.expected ?? {};
    const contentLength = lengthOf(response);
    if (
      expected.size !== undefined && contentLength !== undefined && contentLength !== expected.size
    ) {
      response.cancel();
      cache.recordHashFailure(this.key, url, `length ${contentLength}, expected ${expected.size}`);
      throw new UpstreamError(
        url,
        "mismatch",
        `length ${contentLength}, index says ${expected.size}`,
      );
    }
    // A peer's validators mean nothing to the mirror: keep only the mirror's.
    const etag = peer ? undefined : response.headers.get("etag") ?? undefined;
    const lastModified = peer ? undefined : response.headers.get("last-modified") ?? undefined;
    // A weak ETag cannot be used in If-Range; a date can.
    const ifRange = etag && !etag.startsWith("W/") ? etag : lastModified;
    const settleBody = () =>
      this.#settleWith({
        kind: "body",
        size: expected.size ?? contentLength,
        etag,
        lastModified,
        source: peer ? "peer" : "mirror",
      });
    // A peer's bytes are all held back, so apt hears of them only once they verified.
    if (!peer) settleBody();

    const holdBack = peer ? Infinity : hasHash(this.request.expected) ? 1 : 0;
    let attempt = await this.#beginAttempt(holdBack);
    let expectedEnd = contentLength;
    let resumes = 0;
    while (true) {
      try {
        await this.#pump(attempt, response.body!, expectedEnd, url);
        break;
      } catch (error) {
        const retryable = error instanceof UpstreamError && error.failure !== "cancelled" &&
          error.failure !== "mismatch" && !signal.aborted;
        // Without a validator only a known hash makes splicing a resumed transfer safe.
        const resumable = ifRange !== undefined || hasHash(this.request.expected);
        const allowed = peer ? 0 : this.request.resumeAttempts; // a faltering peer: next source
        if (!retryable || resumes >= allowed || !resumable) {
          await this.#discard(attempt);
          throw error;
        }
        resumes++;
        log.info("download.resume", {
          key: this.key,
          upstream: url,
          from: attempt.written,
          attempt: resumes,
        });
        response = await client.request({ url, rangeFrom: attempt.written, ifRange, signal });
        if (response.status === 206 && rangeStart(response) === attempt.written) {
          const length = lengthOf(response);
          expectedEnd = length === undefined ? undefined : attempt.written + length;
          continue;
        }
        if (response.status === 200) {
          // The mirror restarted the file: take it whole into a new attempt.
          await this.#discard(attempt);
          attempt = await this.#beginAttempt(holdBack);
          expectedEnd = lengthOf(response);
          continue;
        }
        response.cancel();
        await this.#discard(attempt);
        throw new UpstreamError(url, "status", `resume answered ${response.status}`);
      }
    }

    const file = await this.#verifyAndCommit(
      attempt,
      url,
      { etag, lastModified },
      peer ? settleBody : undefined,
      peer ? this.request.verifyPeer : undefined,
    );
    return { kind: "done", file, lagMs };
  }

  /**
   * Checks a complete attempt against the expectation and commits it; a
   * mismatch is recorded and thrown (the next source follows). `beforeRelease`
   * runs once it verified, before readers get the last bytes.
   */
  async #verifyAndCommit(
    attempt: Attempt,
    url: string,
    validators: { etag?: string; lastModified?: string },
    beforeRelease?: () => void,
    verifyMore?: DownloadRequest["verifyPeer"],
  ): Promise<CachedFile | undefined> {
    const { cache, log } = this.deps;
    let verdict = attempt.hasher.verdict();
    if (verdict.ok && verifyMore) verdict = await verifyMore(attempt.partial.path);
    if (!verdict.ok) {
      cache.recordHashFailure(this.key, url, verdict.reason);
      log.warn("download.hash_mismatch", { key: this.key, upstream: url, reason: verdict.reason });
      await this.#discard(attempt);
      throw new UpstreamError(url, "mismatch", verdict.reason);
    }
    const sha256 = attempt.hasher.sha256();
    const pieces = attempt.written > PIECE_BYTES ? attempt.hasher.pieceList() : undefined;
    if (pieces && this.#claims.length) this.#blameByTruth(pieces);
    let file: CachedFile | undefined;
    if (attempt.held) {
      // Verified, and given to apt from memory; with the disk full there is nowhere to keep it.
      log.warn("download.not_cached", {
        key: this.key,
        reason: "disk full",
        bytes: attempt.written,
      });
    } else {
      try {
        file = await cache.commit(attempt.partial, this.key, {
          sha256,
          ...validators,
          announce: this.request.announce ?? hasHash(this.request.expected),
          pieceList: pieces ? encodePieceList(pieces) : undefined,
        });
        attempt.path = file.path;
      } catch (error) {
        log.error("cache.commit_failed", { key: this.key, error });
        // Full at fsync (delayed allocation): the bytes are still readable; readers go on from memory.
        if (isDiskFull(error)) {
          await attempt.holdInMemory();
          this.#diskFull(attempt, error as Error);
        }
      }
    }
    beforeRelease?.();
    this.#finished = true;
    this.#available = attempt.written;
    this.#change.notify();
    if (!attempt.held) attempt.partial.file.close();
    if (!file && !attempt.held) await Deno.remove(attempt.partial.path).catch(() => {});
    if (file) this.deps.onCommitted?.(file);
    return file;
  }

  /** The file in checked pieces from several peers at once (piece_rounds.ts). */
  async #fromPieces(peerUrls: readonly string[]): Promise<CachedFile | undefined> {
    return await downloadInPieces({
      size: this.request.expected!.size!,
      upstreams: this.request.upstreams,
      signal: this.#abort.signal,
      client: this.deps.client,
      peerClient: this.deps.peerClient ?? this.deps.client,
      getItem: this.deps.getItem,
      report: (url, report) => this.deps.onPeerReport?.(url, report),
      claim: (claim) => this.#claims.push(claim),
      newAttempt: () => this.#beginAttempt(1),
      pump: (attempt, body, end, url) => this.#pump(attempt, body, end, url),
      discard: (attempt) => this.#discard(attempt),
      settleBody: (size) => this.#settleWith({ kind: "body", size, source: "peer" }),
      verifyAndCommit: (attempt, label) => this.#verifyAndCommit(attempt, label, {}),
    }, peerUrls);
  }

  /** With a verified copy's piece list: blames whoever sent a piece that differs from it. */
  #blameByTruth(truth: PieceList): void {
    for (const [url, pieces] of culprits(this.#claims, truth)) {
      if (this.request.upstreams.includes(url)) continue; // a mirror is not a peer to rank
      this.deps.log.warn("download.bad_pieces", { key: this.key, peer: url, pieces });
      this.deps.onPeerReport?.(url, { kind: "wrong" });
    }
    this.#claims = [];
  }

  /** Starts a new temp file; readers pause until it has caught up with what they were given. */
  async #beginAttempt(holdBack: number): Promise<Attempt> {
    const attempt = await Attempt.begin(
      ++this.#attempts,
      this.deps.cache,
      this.request.expected,
      holdBack,
    );
    const previous = this.#live;
    this.#available = 0; // a restart gives out nothing until compared with what readers have
    if (!previous || this.#exposed === 0) {
      this.#live = attempt;
      if (previous) await previous.remove();
    }
    return attempt;
  }

  /**
   * Writes a response body into the attempt, comparing with the previous
   * attempt where readers saw it. A body that ends before `expectedEnd` (the
   * declared length) is an interruption, whatever the HTTP client made of it.
   */
  async #pump(
    attempt: Attempt,
    body: ReadableStream<Uint8Array>,
    expectedEnd: number | undefined,
    url: string,
  ): Promise<void> {
    const previous = this.#live !== attempt ? this.#live : undefined;
    const compareFile = await previous?.openFile();
    try {
      for await (const chunk of body) {
        if (previous && this.#live !== attempt) {
          await this.#compareWithPrevious(attempt, previous, compareFile, chunk);
        }
        const diskFull = await attempt.write(chunk, url);
        if (diskFull) this.#diskFull(attempt, diskFull);
        attempt.hasher.update(chunk);
        attempt.written += chunk.byteLength;
        if (this.#live === attempt) {
          this.#available = Math.max(0, attempt.written - attempt.holdBack);
        } else if (attempt.written >= this.#exposed) {
          this.#switchTo(attempt, previous!);
        }
        this.#change.notify();
      }
      if (this.#abort.signal.aborted) throw new UpstreamError(url, "cancelled", "download aborted");
      if (expectedEnd !== undefined && attempt.written < expectedEnd) {
        throw new UpstreamError(
          url,
          "interrupted",
          `body ended at byte ${attempt.written} of ${expectedEnd}`,
        );
      }
      if (this.#live !== attempt) this.#switchTo(attempt, previous!); // shorter than what readers saw
    } finally {
      compareFile?.close();
    }
  }

  /** The disk filled up under `attempt`: it goes on in memory; apt still gets the file. */
  #diskFull(attempt: Attempt, error: Error): void {
    this.deps.log.warn("download.disk_full", { key: this.key, at: attempt.written, error });
    this.deps.onDiskFull?.(error);
  }

  async #compareWithPrevious(
    attempt: Attempt,
    previous: Attempt,
    file: Deno.FsFile | undefined,
    chunk: Uint8Array,
  ) {
    const from = attempt.written;
    const upto = Math.min(from + chunk.byteLength, this.#exposed);
    if (from >= upto) return;
    const old = await previous.readRange(from, upto - from, file);
    const got = old.length;
    for (let i = 0; i < got; i++) {
      if (old[i] !== chunk[i]) {
        this.#poisonAfter = from + i;
        this.deps.log.warn("download.restart_differs", { key: this.key, offset: from + i });
        this.#switchTo(attempt, previous);
        return;
      }
    }
  }

  #switchTo(attempt: Attempt, previous: Attempt): void {
    this.#live = attempt;
    this.#available = Math.max(0, attempt.written - attempt.holdBack);
    this.#change.notify();
    previous.remove();
  }

  /** Drops a failed attempt; the live one's file stays until a next attempt was compared with it. */
  async #discard(attempt: Attempt): Promise<void> {
    if (this.#live === attempt) this.#available = 0;
    else await attempt.remove();
  }

  #fail(error: Error): void {
    this.#failure = error;
    this.#live?.remove();
    this.#change.notify();
  }

  /** Opens an attempt's file; undefined when a newer attempt replaced it (its file is gone). */
  async #open(attempt: Attempt): Promise<Deno.FsFile | undefined> {
    try {
      return await Deno.open(attempt.path, { read: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      if (this.#live !== attempt) return undefined;
      await this.done; // committed: renamed into the cache, and its path updated
      return await Deno.open(attempt.path, { read: true });
    }
  }

  #settleWith(outcome: DownloadOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(outcome);
  }
}

function lengthOf(response: UpstreamResponse): number | undefined {
  const text = response.headers.get("content-length");
  const encoded = response.headers.get("content-encoding");
  if (text === null || !/^\d+$/.test(text) || (encoded && encoded !== "identity")) return undefined;
  return Number(text);
}

function rangeStart(response: UpstreamResponse): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : undefined;
}
