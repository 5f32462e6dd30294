/**
 * Packages and Sources indexes: the files they list, with sizes and hashes,
 * as a stream of entries relative to the archive root.
 *
 * @module
 */

import type { ExpectedFile } from "../hash/mod.ts";
import { Deb822Parser, type Paragraph } from "./deb822.ts";

/** One file an index lists. */
export interface ListedFile extends ExpectedFile {
  /** Path relative to the archive root, e.g. `pool/main/h/hello/hello_2.10-3_amd64.deb`. */
  readonly path: string;
}

const PACKAGES_FIELDS = new Set(["filename", "size", "sha256", "sha1", "md5sum"]);
const SOURCES_FIELDS = new Set(["directory", "files", "checksums-sha1", "checksums-sha256"]);

function packagesEntry(p: Paragraph): ListedFile | undefined {
  const path = p.get("filename");
  if (path === undefined) return undefined; // e.g. a virtual stanza; nothing to fetch
  const sizeText = p.get("size");
  const entry: { path: string; size?: number; sha256?: string; sha1?: string; md5?: string } = {
    path,
  };
  if (sizeText !== undefined && /^\d+$/.test(sizeText)) entry.size = Number(sizeText);
  const sha256 = p.get("sha256");
  if (sha256) entry.sha256 = sha256.toLowerCase();
  else {
    const sha1 = p.get("sha1");
    const md5 = p.get("md5sum");
    if (sha1) entry.sha1 = sha1.toLowerCase();
    if (md5) entry.md5 = md5.toLowerCase();
  }
  return entry;
}

function sourcesEntries(p: Paragraph): ListedFile[] {
  const directory = p.get("directory");
  if (directory === undefined) return [];
  const prefix = directory === "." || directory === "" ? "" : directory.replace(/\/+$/, "") + "/";
  const byName = new Map<
    string,
    { path: string; size?: number; sha256?: string; sha1?: string; md5?: string }
  >();
  const tables = [["checksums-sha256", "sha256"], ["checksums-sha1", "sha1"], [
    "files",
    "md5",
  ]] as const;
  for (const [field, algorithm] of tables) {
    const table = p.get(field);
    if (!table) continue;
    for (const line of table.split("\n")) {
      const parts = line.trim().split(/\s+/);
      if (parts.length !== 3) continue;
      const [hex, sizeText, name] = parts;
      const entry = byName.get(name) ?? { path: prefix + name };
      entry.size ??= Number(sizeText);
      if (algorithm === "sha256" || !entry.sha256) entry[algorithm] = hex.toLowerCase();
      byName.set(name, entry);
    }
  }
  return [...byName.values()];
}

/**
 * Reads a decompressed Packages (`kind` "packages") or Sources index and
 * hands the files it lists to `onBatch`, one batch per chunk of text, so the
 * caller can write each batch at once and nothing piles up in memory.
 * Resolves to the number of files.
 */
export async function readIndexFiles(
  text: ReadableStream<string>,
  kind: "packages" | "sources",
  onBatch: (files: ListedFile[]) => void,
): Promise<number> {
  let count = 0;
  let batch: ListedFile[] = [];
  const parser = new Deb822Parser((paragraph) => {
    if (kind === "packages") {
      const entry = packagesEntry(paragraph);
      if (entry) batch.push(entry);
    } else {
      batch.push(...sourcesEntries(paragraph));
    }
  }, { fields: kind === "packages" ? PACKAGES_FIELDS : SOURCES_FIELDS });
  const flush = () => {
    if (batch.length === 0) return;
    count += batch.length;
    const full = batch;
    batch = [];
    onBatch(full);
  };
  for await (const chunk of text) {
    parser.push(chunk);
    flush();
  }
  parser.end();
  flush();
  return count;
}
