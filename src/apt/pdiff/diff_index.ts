/**
 * The `Index` file of a pdiff directory (`Packages.diff/Index`): the hash of
 * the current index, the hashes of the indexes it can be patched from, and
 * of the patches themselves (uncompressed and as downloaded).
 *
 * @module
 */

import { parseDeb822 } from "../deb822.ts";

/** A file named in a diff Index: hex digest and size. */
export interface DiffFile {
  readonly hash: string;
  readonly size: number;
}

/** A parsed diff Index. */
export interface DiffIndex {
  /** Which digest the fields below carry (the strongest the file has). */
  readonly algorithm: "sha256" | "sha1";
  /** The index the patches lead to (uncompressed). */
  readonly current: DiffFile;
  /** Older indexes, oldest first, each with the patch that starts from it. */
  readonly history: readonly (DiffFile & { readonly patch: string })[];
  /** Patches by name, uncompressed. */
  readonly patches: ReadonlyMap<string, DiffFile>;
  /** Patch files as served (`<name>.gz`), by file name. */
  readonly downloads: ReadonlyMap<string, DiffFile>;
  /**
   * `X-Patch-Precedence: merged`: each patch leads from its history entry
   * straight to the current index, so one patch is all anyone needs.
   */
  readonly merged: boolean;
}

/** A diff Index that cannot be used. */
export class DiffIndexError extends Error {
  override name = "DiffIndexError";
}

function table(
  text: string | undefined,
  field: string,
): { hash: string; size: number; name: string }[] {
  if (text === undefined) return [];
  const rows = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === "") continue;
    const [hash, size, name] = parts;
    if (parts.length !== 3 || !/^[0-9a-f]+$/i.test(hash) || !/^\d+$/.test(size)) {
      throw new DiffIndexError(`bad ${field} line: ${line.trim()}`);
    }
    if (name.includes("/") || name === "." || name === "..") {
      throw new DiffIndexError(`bad patch name in ${field}: ${name}`);
    }
    rows.push({ hash: hash.toLowerCase(), size: Number(size), name });
  }
  return rows;
}

/** Parses a diff Index text. */
export function parseDiffIndex(text: string): DiffIndex {
  const fields = parseDeb822(text)[0];
  if (!fields) throw new DiffIndexError("no fields");
  const algorithm = fields.has("sha256-current") ? "sha256" : "sha1";
  const prefix = algorithm === "sha256" ? "SHA256" : "SHA1";
  const currentText = fields.get(`${prefix.toLowerCase()}-current`);
  const current = /^([0-9a-f]+)\s+(\d+)$/i.exec(currentText?.trim() ?? "");
  if (!current) throw new DiffIndexError(`no usable ${prefix}-Current field`);
  const get = (name: string) =>
    table(fields.get(`${prefix}-${name}`.toLowerCase()), `${prefix}-${name}`);
  const files = (rows: { hash: string; size: number; name: string }[]) =>
    new Map(rows.map((r) => [r.name, { hash: r.hash, size: r.size }]));
  return {
    algorithm,
    current: { hash: current[1].toLowerCase(), size: Number(current[2]) },
    history: get("History").map((r) => ({ hash: r.hash, size: r.size, patch: r.name })),
    patches: files(get("Patches")),
    downloads: files(get("Download")),
    merged: fields.get("x-patch-precedence")?.trim() === "merged",
  };
}

/**
 * The patches that turn the index with digest `base` into the current one,
 * in the order they apply: none when it is current, undefined when the
 * Index has no path from it (too old, or not of this archive).
 */
export function patchesFrom(index: DiffIndex, base: string): string[] | undefined {
  if (base === index.current.hash) return [];
  const at = index.history.findIndex((entry) => entry.hash === base);
  if (at < 0) return undefined;
  return index.merged
    ? [index.history[at].patch]
    : index.history.slice(at).map((entry) => entry.patch);
}

/** The file name a patch is downloaded as (`<name>.gz` unless the Index names another). */
export function downloadNameOf(index: DiffIndex, patch: string): string {
  for (const name of index.downloads.keys()) {
    if (name.startsWith(`${patch}.`) && /^\.(gz|xz|bz2)$/.test(name.slice(patch.length))) {
      return name;
    }
  }
  return `${patch}.gz`;
}
