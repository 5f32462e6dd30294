/**
 * Keeps the daemon's copy of Packages and Sources current when apt updates
 * them with pdiffs: apt patches its own copy and never sends the result
 * back through us, so without this the daemon would not know the hashes of
 * packages added since. The patches the diff Index names are fetched like
 * any archive file (cache, peers, mirror), applied with rred to the cached
 * copy, and the result is checked against the Index before it is used;
 * whenever that cannot be done, the whole index is fetched instead.
 *
 * @module
 */

import { compressionOf, decompress, type DiffChange, indexKindSpec } from "../apt/mod.ts";
import type { ArchiveIndex } from "../apt/mod.ts";
import {
  applyPatches,
  downloadNameOf,
  type Hunk,
  parseEdScript,
  patchesFrom,
} from "../apt/pdiff/mod.ts";
import type { CachedFile, CacheStore } from "../cache/mod.ts";
import { readBounded } from "../fetch/mod.ts";
import { newHasher } from "../hash/mod.ts";
import type { Logger } from "../log/mod.ts";
import { writeAll } from "../util/write_all.ts";

/** Longest patch text read when the diff Index gives no size (Debian's are a few KB). */
const MAX_PATCH_BYTES = 64 * 1024 * 1024;

/** What the follower needs from the daemon. */
export interface PdiffFollowerDeps {
  readonly index: ArchiveIndex;
  readonly cache: CacheStore;
  readonly log: Logger;
  /** Fetches an archive file by cache key the way apt's requests are served. */
  fetch(key: string): Promise<Response>;
  /**
   * Told of the patched index once it is committed, at once: the daemon's
   * "committed" event, whose listeners read it (the index) and announce it.
   */
  onCommitted(file: CachedFile): void;
}

/** Applies pdiffs to the daemon's own copies of indexes. */
export class PdiffFollower {
  constructor(private readonly deps: PdiffFollowerDeps) {}

  /** Brings the tracked version of `change.listing` up to the diff Index's current one. */
  async follow(change: DiffChange): Promise<void> {
    const { listing, diff } = change;
    if (!indexKindSpec(listing)?.listsPoolFiles) return; // nothing in it names files
    if (diff.algorithm !== "sha256") return this.#fetchWhole(change, "the Index has no SHA256");
    const version = this.deps.index.versionOf(listing);
    if (version?.sha256 === diff.current.hash) return;
    if (!version) return this.#fetchWhole(change, "no earlier version here");
    const patches = patchesFrom(diff, version.sha256);
    if (!patches) return this.#fetchWhole(change, "our version is not in the Index's history");
    const started = performance.now();
    try {
      await this.#patch(change, version.key, version.name, patches);
      this.deps.log.info("pdiff.applied", {
        listing,
        patches: patches.length,
        ms: Math.round(performance.now() - started),
      });
    } catch (error) {
      await this.#fetchWhole(change, String(error instanceof Error ? error.message : error));
    }
  }

  async #patch(
    change: DiffChange,
    sourceKey: string,
    sourceName: string,
    names: readonly string[],
  ): Promise<void> {
    const { cache, index } = this.deps;
    const dir = change.indexName.slice(0, change.indexName.lastIndexOf("/"));
    const scripts: Hunk[][] = [];
    for (const name of names) scripts.push(await this.#script(change, dir, name));

    const source = cache.open(sourceKey);
    if (!source) throw new Error(`${sourceKey} is no longer cached`);
    const partial = await cache.createPartial();
    const hasher = newHasher("sha256");
    let size = 0;
    try {
      const patched = applyPatches(
        decompress(source.file.readable, compressionOf(sourceName)),
        scripts,
      );
      for await (const chunk of patched) {
        hasher.update(chunk);
        size += chunk.length;
        await writeAll(partial.file, chunk);
      }
      const { current } = change.diff;
      if (size !== current.size || !hasher.verify(current.hash)) {
        throw new Error(`patched ${change.listing} does not match the Index (size ${size})`);
      }
      const committed = await cache.commit(partial, change.listing, {
        sha256: hasher.hexdigest(),
        announce: index.lookup(change.listing)?.trusted === true,
      });
      // Read by the "committed" event's listener (the index), as every commit is.
      this.deps.onCommitted(committed);
      await index.ingesting(change.listing);
      if (!this.#isCurrent(change)) throw new Error(`patched ${change.listing} was not read`);
    } catch (error) {
      await Deno.remove(partial.path).catch(() => {});
      throw error;
    } finally {
      partial.file.close();
    }
  }

  /** One patch, fetched, decompressed, checked and parsed. */
  async #script(change: DiffChange, dir: string, name: string): Promise<Hunk[]> {
    const file = downloadNameOf(change.diff, name);
    const response = await this.deps.fetch(`${dir}/${file}`);
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`patch ${file}: ${response.status}`);
    }
    const expected = change.diff.patches.get(name);
    // Decompressed no further than the Index says, so a bad patch cannot fill memory.
    const text = await readBounded(
      decompress(response.body!, compressionOf(file)),
      expected?.size ?? MAX_PATCH_BYTES,
      `${dir}/${file}`,
    );
    if (expected && !newHasher("sha256").update(text).verify(expected.hash)) {
      throw new Error(`patch ${name} does not match its hash in the Index`);
    }
    return parseEdScript(text);
  }

  /** Fetches the whole current index (the way apt would without pdiffs) and reads it. */
  async #fetchWhole(change: DiffChange, reason: string): Promise<void> {
    const { index, log } = this.deps;
    const variants = [".xz", ".gz", ".bz2", ""].map((ext) => change.listing + ext);
    const key = variants.find((k) => index.lookup(k)?.sha256 !== undefined);
    log.info("pdiff.fetching_whole", { listing: change.listing, reason, key });
    if (!key) return;
    const response = await this.deps.fetch(key);
    if (!response.ok) {
      await response.body?.cancel();
      log.warn("pdiff.whole_failed", { key, status: response.status });
      return;
    }
    await response.body?.pipeTo(new WritableStream());
    // The download's own ingest, if it was a download; else the cached copy is read here.
    await index.ingesting(key);
    if (!this.#isCurrent(change)) await index.ingest(key, this.deps.cache.pathOf(key));
  }

  /** Whether the index now holds the listing's version the diff Index names as current. */
  #isCurrent(change: DiffChange): boolean {
    return this.deps.index.versionOf(change.listing)?.sha256 === change.diff.current.hash;
  }
}
