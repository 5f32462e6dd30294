/**
 * One shared download of one file: fetched once into a temp file under
 * `<cache>/.partial/`, hashed as it arrives, committed to the cache only
 * when complete and verified, and read by any number of clients while it
 * grows (shared_body.ts).
 *
 * Where the bytes come from is the source plan's (source_plan.ts): peers,
 * then mirrors and their addresses. Small files come whole, from one source
 * at a time; large files from peers come in checked pieces (piece_rounds.ts).
 * With a known hash the last byte is held back until the whole file has
 * verified, so apt gets an error, never a complete wrong file; a peer's
 * bytes are all held back until then.
 *
 * @module
 */

import type { CachedFile } from "../cache/mod.ts";
import { UpstreamError } from "../fetch/mod.ts";
import { encodePieceList, hasHash, PIECE_BYTES } from "../hash/mod.ts";
import { Attempt } from "./attempt.ts";
import type { DownloadDeps, DownloadOutcome, DownloadRequest } from "./download_request.ts";
import { isDiskFull } from "./held_bytes.ts";
import { PieceClaims } from "./piece_blame.ts";
import { type AttemptSink, downloadInPieces } from "./piece_rounds.ts";
import { fetchWhole, type WholeFetchContext } from "./whole_fetch.ts";
import { fetchAsFleet, type FleetResult, type FleetSelf } from "./fleet_fetch.ts";
import type { OwnState } from "./fleet_role.ts";
import type { PeerRef } from "./peer_ref.ts";
import { SharedBody } from "./shared_body.ts";
import { peerSource, type Source, type SourceReport } from "./source.ts";
import { SourcePlan } from "./source_plan.ts";

/** A download in progress as peers may take it (peer_answers.ts serves it). */
export interface GrowingFile {
  readonly size: number;
  /** Where it stands now: bytes received, where they come from, its ticket. */
  state(): OwnState;
  /** Bytes `[start, end)` as received, verified or not; waits for those still to come. */
  stream(start: number, end: number): ReadableStream<Uint8Array>;
}

/** A download shared by every request for the same file. */
export class Download {
  /** Settles once with the first upstream answer that decides what clients get. */
  readonly outcome: Promise<DownloadOutcome>;
  /** Settles when the download has ended: the committed file, or undefined. */
  readonly done: Promise<CachedFile | undefined>;

  #settle!: (outcome: DownloadOutcome) => void;
  /** Where this download stands in a fleet (told to peers that ask), with its random ticket. */
  readonly #fleetSelf: FleetSelf = {
    origin: "deciding",
    ticket: crypto.getRandomValues(new Uint32Array(1))[0],
  };
  #settled = false;
  #attempts = 0;
  readonly #abort = new AbortController();
  readonly #body: SharedBody;
  /** Pieces peers sent that are suspect until a verified copy settles them. */
  readonly #claims = new PieceClaims<Source>();
  /** How whole-file fetches reach this download (whole_fetch.ts). */
  readonly #whole: WholeFetchContext;
  /** How piece rounds reach this download's attempts. */
  readonly #sink: AttemptSink = {
    begin: (holdAll) => this.#beginAttempt(holdAll ? Infinity : 1),
    fill: (attempt, body, end, label) => this.#body.pump(attempt, body, end, label),
    drop: (attempt) => this.#body.discard(attempt),
    commit: (attempt, label) => this.#verifyAndCommit(attempt, label, {}),
  };

  constructor(private readonly request: DownloadRequest, private readonly deps: DownloadDeps) {
    this.outcome = new Promise((resolve) => this.#settle = resolve);
    this.#body = new SharedBody({
      key: request.key,
      log: deps.log,
      signal: this.#abort.signal,
      done: () => this.done,
      onDiskFull: (attempt, error) => this.#diskFull(attempt, error),
    });
    this.#whole = {
      key: request.key,
      request,
      deps,
      body: this.#body,
      signal: this.#abort.signal,
      address: undefined,
      beginAttempt: (holdBack) => this.#beginAttempt(holdBack),
      settleWith: (outcome) => this.#settleWith(outcome),
      verifyAndCommit: (...args) => this.#verifyAndCommit(...args),
    };
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

  /**
   * What peers may take of this download while it runs (only of a file
   * shared while it downloads): its bytes as received, and where it stands.
   */
  get growing(): GrowingFile | undefined {
    const size = this.request.expected?.size;
    if (!this.request.fleet || size === undefined) return undefined;
    return {
      size,
      state: () => ({
        ...this.#fleetSelf,
        received: this.received,
        clean: this.#fleetSelf.origin !== "peer" && (this.#body.live?.clean ?? true),
      }),
      stream: (start, end) => this.#body.streamReceived(start, end),
    };
  }

  /** Bytes received so far by the live attempt (for progress and tests). */
  get received(): number {
    return this.#body.live?.written ?? 0;
  }

  /**
   * A stream of bytes `[start, end)` of the file, delivered as they arrive
   * and are safe to give out. Errors if the download fails.
   */
  stream(start = 0, end = Infinity): ReadableStream<Uint8Array> {
    return this.#body.stream(start, end);
  }

  async #run(): Promise<CachedFile | undefined> {
    const { upstreams, expected } = this.request;
    // Peers may still be being looked up: the download is registered at once, so that
    // every request for the file joins it, and starts when the search is over.
    let peers: readonly PeerRef[] = this.deps.peers ? await (this.request.peers ?? []) : [];
    let plan: SourcePlan | undefined;
    if (this.request.fleet && this.deps.peers && expected?.sha256 && expected.size) {
      // Others may be fetching it right now: decide with them who goes to the mirror.
      const fleet = await this.#fleetFirst(peers, expected.size);
      if (fleet.kind === "done") return fleet.file;
      ({ peers, plan } = fleet);
    }
    const large = (expected?.size ?? 0) > PIECE_BYTES;
    plan ??= new SourcePlan({
      peers,
      peerPath: this.request.peerPath,
      upstreams,
      inPieces: large,
      addresses: this.deps.client,
    });
    const log = this.deps.log;
    if (log.enabled("debug")) {
      log.debug("download.plan", {
        key: this.key,
        peers: plan.peers.length,
        in_pieces: plan.peers.length > 0 && large && !!expected?.sha256,
        hash: expected?.sha256 ? "sha256" : expected ? "weaker" : "none",
      });
    }
    if (plan.peers.length && large && expected?.sha256) {
      // A large file: in checked pieces from all peers at once (and the mirror for what they lack).
      try {
        return await this.#fromPieces(plan);
      } catch (error) {
        this.deps.log.warn("download.pieces_failed", { key: this.key, error });
      }
    }
    let lastStatus: number | undefined;
    let lastError: Error | undefined;
    for (const source of plan) {
      if (this.#abort.signal.aborted) break;
      log.debug("download.try", { key: this.key, upstream: source.url, peer: !!source.peer });
      const started = performance.now();
      if (source.peer) this.deps.peers?.busy?.(source.peer, 1);
      try {
        const result = await fetchWhole(this.#whole, source, plan);
        if (result.kind === "status") {
          if (source.peer) this.#report(source, { kind: "failed" });
          else lastStatus = result.status; // a peer's 404 says nothing about the file
          // A 404 for a file the index lists: that server is behind; another address may not be.
          if (result.status === 404 && hasHash(expected)) await this.#addressFailed(plan, source);
          continue;
        }
        this.#report(source, {
          kind: "delivered",
          bytes: result.file?.size ?? 0,
          lagMs: result.lagMs,
          totalMs: performance.now() - started,
        });
        log.debug("download.delivered", {
          key: this.key,
          upstream: source.url,
          peer: !!source.peer,
          bytes: result.file?.size,
          ms: Math.round(performance.now() - started),
        });
        return result.file;
      } catch (error) {
        const wrong = error instanceof UpstreamError && error.failure === "mismatch";
        if (source.peer) this.#report(source, { kind: wrong ? "wrong" : "failed" });
        else lastError = error as Error;
        this.deps.log.warn(source.peer ? "download.peer_failed" : "download.upstream_failed", {
          key: this.key,
          upstream: source.url,
          address: this.#whole.address,
          error,
        });
        if (wrong) await this.#addressFailed(plan, source);
      } finally {
        if (source.peer) this.deps.peers?.busy?.(source.peer, -1);
      }
    }
    const reason = lastError?.message ?? `upstream answered ${lastStatus}`;
    this.#body.fail(lastError ?? new UpstreamError(upstreams.at(-1) ?? this.key, "status", reason));
    if (lastStatus !== undefined && !this.#settled) {
      this.#settleWith({ kind: "status", status: lastStatus });
    } else this.#settleWith({ kind: "failed", reason });
    return undefined;
  }

  /** The address a mirror's attempt went to failed: the plan avoids it, and may try another. */
  async #addressFailed(
    plan: SourcePlan,
    source: Source,
    address = this.#whole.address,
  ): Promise<void> {
    if (await plan.addressFailed(source, address)) {
      this.deps.log.info("download.next_address", {
        key: this.key,
        upstream: source.url,
        after: address,
      });
    }
  }

  /**
   * Checks a complete attempt against the expectation and commits it; a
   * mismatch is recorded and thrown (the next source follows). `beforeRelease`
   * runs once it verified, before readers get the last bytes.
   */
  async #verifyAndCommit(
    attempt: Attempt,
    label: string,
    validators: { etag?: string; lastModified?: string },
    beforeRelease?: () => void,
    verifyMore?: DownloadRequest["verifyPeer"],
  ): Promise<CachedFile | undefined> {
    const { cache, log } = this.deps;
    let verdict = attempt.verdict();
    if (verdict.ok && verifyMore) verdict = await verifyMore(attempt.path);
    if (!verdict.ok) {
      cache.recordHashFailure(this.key, label, verdict.reason);
      log.warn("download.hash_mismatch", {
        key: this.key,
        upstream: label,
        reason: verdict.reason,
      });
      await this.#body.discard(attempt);
      throw new UpstreamError(label, "mismatch", verdict.reason);
    }
    const sha256 = attempt.sha256();
    const pieces = attempt.written > PIECE_BYTES ? attempt.pieceList() : undefined;
    if (pieces && this.#claims.size) this.#blame(this.#claims.settle(pieces));
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
        file = await attempt.commit(cache, this.key, {
          sha256,
          ...validators,
          announce: this.request.announce ?? hasHash(this.request.expected),
          pieceList: pieces ? encodePieceList(pieces) : undefined,
        });
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
    this.#body.finish(attempt);
    await attempt.close();
    if (file) this.deps.onCommitted?.(file);
    return file;
  }

  /** The file in checked pieces from several peers at once (piece_rounds.ts). */
  async #fromPieces(plan: SourcePlan): Promise<CachedFile | undefined> {
    const peers = this.deps.peers!;
    return await downloadInPieces({
      size: this.request.expected!.size!,
      plan,
      signal: this.#abort.signal,
      clientFor: (source) => source.peer ? peers.client : this.deps.client,
      getItem: peers.getItem,
      sink: this.#sink,
      claims: this.#claims,
      report: (source, report) => this.#report(source, report),
      announceBody: (size) =>
        this.#settleWith({ kind: "body", size, source: "peer", upstream: "peers" }),
      busy: (source, delta) => source.peer && peers.busy?.(source.peer, delta),
      onListChosen: (choice) =>
        this.deps.log.info("download.piece_list", { key: this.key, ...choice }),
    });
  }

  /**
   * The file as one of a fleet: done, or the peers holding all of it, or
   * (the fleet failed) the mirrors' plan with the addresses that failed.
   * Once more after a peer's wrong bytes: the peer blamed is left out, the
   * rest still fetch it once.
   */
  async #fleetFirst(
    found: readonly PeerRef[],
    size: number,
  ): Promise<
    { kind: "done"; file?: CachedFile } | { kind: "on"; peers: PeerRef[]; plan?: SourcePlan }
  > {
    const plan = new SourcePlan({ upstreams: this.request.upstreams, addresses: this.deps.client });
    const failed = new Set<string>();
    for (let round = 0; round < 2; round++) {
      try {
        const holders = round ? await this.request.fleet!.lookup().catch(() => []) : found;
        const result = await this.#asFleet(holders, size, failed, plan, round > 0);
        if (result.kind === "done") return result;
        if (result.kind === "complete") {
          this.#fleetSelf.origin = "peer"; // from peers with the whole file, the usual way
          return { kind: "on", peers: result.peers.map((source) => source.peer!) };
        }
      } catch (error) {
        this.deps.log.warn("download.fleet_failed", { key: this.key, error });
        break;
      }
    }
    this.#fleetSelf.origin = "mirror"; // the usual way, from the mirror
    return { kind: "on", peers: [], plan };
  }

  /** The file fetched as one of a fleet (fleet_fetch.ts), from the mirror or peers' downloads. */
  #asFleet(
    found: readonly PeerRef[],
    size: number,
    failed: Set<string>,
    plan: SourcePlan,
    cleanOnly: boolean,
  ): Promise<FleetResult> {
    const sourceOf = (peer: PeerRef) => peerSource(peer, this.request.peerPath ?? "/");
    return fetchAsFleet({
      key: this.key,
      size,
      self: this.#fleetSelf,
      found: found.map(sourceOf),
      failed,
      cleanOnly,
      lookup: async () => (await this.request.fleet!.lookup()).map(sourceOf),
      plan,
      addressFailed: (source, address) => this.#addressFailed(plan, source, address),
      clientFor: (source) => source.peer ? this.deps.peers!.client : this.deps.client,
      sink: this.#sink,
      signal: this.#abort.signal,
      report: (source, report) => this.#report(source, report),
      onBody: () =>
        this.#settleWith({
          kind: "body",
          size,
          source: this.#fleetSelf.origin === "peer" ? "peer" : "mirror",
          upstream: "fleet",
        }),
      log: this.deps.log,
    });
  }

  /** Blames whoever sent pieces that differ from a verified copy (a mirror is not a peer to rank). */
  #blame(culprits: Map<Source, number>): void {
    for (const [source, pieces] of culprits) {
      if (!source.peer) continue;
      this.deps.log.warn("download.bad_pieces", { key: this.key, peer: source.url, pieces });
      this.#report(source, { kind: "wrong" });
    }
  }

  /** A peer's result goes to its record; a mirror's is not ranked. */
  #report(source: Source, report: SourceReport): void {
    if (source.peer) this.deps.peers?.report(source.peer, report);
  }

  /** Starts a new temp file; readers pause until it has caught up with what they were given. */
  async #beginAttempt(holdBack: number): Promise<Attempt> {
    const attempt = await Attempt.begin(
      ++this.#attempts,
      this.deps.cache,
      this.request.expected,
      holdBack,
    );
    await this.#body.begin(attempt);
    return attempt;
  }

  /** The disk filled up under `attempt`: it goes on in memory; apt still gets the file. */
  #diskFull(attempt: Attempt, error: Error): void {
    this.deps.log.warn("download.disk_full", { key: this.key, at: attempt.written, error });
    this.deps.onDiskFull?.(error);
  }

  #settleWith(outcome: DownloadOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(outcome);
  }
}
