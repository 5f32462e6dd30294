/**
 * Ingest of Release and InRelease files (the indexes they list, under
 * their names and by-hash URLs, once the signature was checked) and of
 * Release.gpg (which checks the Release beside it).
 *
 * @module
 */

import { transaction } from "../../db/mod.ts";
import { joinArchivePath } from "../index_files.ts";
import { parseRelease } from "../release.ts";
import type { IngestContext, IngestResult } from "./context.ts";

/** Release files bigger than this are not parsed (Debian's largest are a few hundred KiB). */
const MAX_RELEASE_BYTES = 16 * 1024 * 1024;

/** An InRelease or Release: its signature is checked, then every file it lists is recorded. */
export async function ingestRelease(
  index: IngestContext,
  _key: string,
  name: string,
  filePath: string,
): Promise<IngestResult> {
  const stat = await Deno.stat(filePath);
  if (stat.size > MAX_RELEASE_BYTES) {
    throw new Error(`Release file too large (${stat.size} bytes)`);
  }
  const bytes = await Deno.readFile(filePath);
  const dir = name.slice(0, name.lastIndexOf("/") + 1);
  let text = new TextDecoder().decode(bytes);
  if (name.endsWith("/InRelease")) text = await index.releases.checkInRelease(name, text);
  else {
    const signature = await index.options.readCached?.(`${dir}Release.gpg`);
    await index.releases.checkDetached(name, bytes, signature);
  }
  const release = parseRelease(text);
  const seen = index.now();
  index.markListed(name, seen);
  transaction(index.db, () => {
    for (const [path, file] of release.files) {
      const key = joinArchivePath(dir, path);
      if (!key) continue;
      index.put(key, file, key, name, seen);
      const parent = key.slice(0, key.lastIndexOf("/"));
      if (file.sha256) index.put(`${parent}/by-hash/SHA256/${file.sha256}`, file, key, name, seen);
      if (file.sha512) index.put(`${parent}/by-hash/SHA512/${file.sha512}`, file, key, name, seen);
    }
  });
  return { kind: "release", entries: release.files.size };
}

/** A Release.gpg: checks the Release beside it, if that is cached. */
export async function ingestSignature(
  index: IngestContext,
  _key: string,
  name: string,
  filePath: string,
): Promise<IngestResult> {
  const release = name.replace(/\.gpg$/, "");
  const data = await index.options.readCached?.(release);
  if (data) await index.releases.checkDetached(release, data, await Deno.readFile(filePath));
  return { kind: "signature", entries: data ? 1 : 0 };
}
