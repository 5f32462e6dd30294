/**
 * Release and InRelease files: the clearsigned wrapper, the fields, and the
 * tables of hashes (SHA256 preferred, then SHA1, MD5Sum) of the indexes they
 * list.
 *
 * @module
 */

import type { ExpectedFile } from "../hash/mod.ts";
import { parseDeb822 } from "./deb822.ts";

/** A file a Release lists; SHA512 is kept only to name its by-hash URL. */
export interface ReleaseEntry extends ExpectedFile {
  readonly sha512?: string;
}

/** A parsed Release file. */
export interface ReleaseFile {
  /** Top-level fields (lower-cased names), without the hash tables. */
  readonly fields: ReadonlyMap<string, string>;
  /** Path relative to the Release file's directory → size and digests. */
  readonly files: ReadonlyMap<string, ReleaseEntry>;
  /** `Acquire-By-Hash: yes`: indexes may be fetched by their hash. */
  readonly acquireByHash: boolean;
}

/** A text that is not a usable Release file. */
export class ReleaseFormatError extends Error {
  override name = "ReleaseFormatError";
}

const TABLES = [["sha512", "sha512"], ["sha256", "sha256"], ["sha1", "sha1"], [
  "md5sum",
  "md5",
]] as const;

/**
 * Removes the OpenPGP cleartext-signature framing (RFC 4880 §7) and undoes
 * dash-escaping; plain text is returned unchanged. Signature checking is the
 * `hash/` module's business, not this one's.
 */
export function stripClearsign(text: string): string {
  if (!text.startsWith("-----BEGIN PGP SIGNED MESSAGE-----")) return text;
  const lines = text.split(/\r?\n/);
  let i = 1;
  while (i < lines.length && lines[i] !== "") i++; // armor headers ("Hash: SHA512")
  const body: string[] = [];
  for (i++; i < lines.length; i++) {
    if (lines[i].startsWith("-----BEGIN PGP SIGNATURE-----")) {
      return body.join("\n") + "\n";
    }
    body.push(lines[i].startsWith("- ") ? lines[i].slice(2) : lines[i]);
  }
  throw new ReleaseFormatError("clearsigned text without a signature block");
}

/** Parses a Release or InRelease text. */
export function parseRelease(text: string): ReleaseFile {
  const paragraphs = parseDeb822(stripClearsign(text));
  if (paragraphs.length === 0) throw new ReleaseFormatError("no fields");
  const fields = new Map(paragraphs[0]);
  const files = new Map<
    string,
    { size?: number; sha512?: string; sha256?: string; sha1?: string; md5?: string }
  >();
  for (const [field, key] of TABLES) {
    const table = fields.get(field);
    fields.delete(field);
    if (table === undefined) continue;
    for (const line of table.split("\n")) {
      const parts = line.trim().split(/\s+/);
      if (parts.length !== 3) continue; // the (empty) first line of the field
      const [hex, sizeText, path] = parts;
      if (!/^[0-9a-fA-F]+$/.test(hex) || !/^\d+$/.test(sizeText)) {
        throw new ReleaseFormatError(`bad ${field} line: ${line.trim()}`);
      }
      const entry = files.get(path) ?? {};
      entry.size ??= Number(sizeText);
      entry[key] = hex.toLowerCase();
      files.set(path, entry);
    }
  }
  return { fields, files, acquireByHash: fields.get("acquire-by-hash")?.toLowerCase() === "yes" };
}
