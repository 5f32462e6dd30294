/**
 * Archive paths: what a name says of its file (by-hash, immutable, its
 * compression) and how an index's paths join to cache keys. Which names are
 * indexes, and of what kind, is in index_kinds.ts.
 *
 * @module
 */

/** Compressions apt uses for index files, by file extension. */
export type Compression = "none" | "gz" | "xz" | "bz2";

/** The last segment of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** True for a file named by its hash (`…/by-hash/SHA256/<hex>`): content can never change. */
export function byHashDigest(
  path: string,
): { algorithm: "sha512" | "sha256" | "sha1" | "md5"; hex: string } | undefined {
  const match = /\/by-hash\/(SHA512|SHA256|SHA1|MD5Sum)\/([0-9a-f]+)$/i.exec(path);
  if (!match) return undefined;
  const names = { sha512: "sha512", sha256: "sha256", sha1: "sha1", md5sum: "md5" } as const;
  const algorithm = names[match[1].toLowerCase() as keyof typeof names];
  const lengths = { sha512: 128, sha256: 64, sha1: 40, md5: 32 };
  return match[2].length === lengths[algorithm]
    ? { algorithm, hex: match[2].toLowerCase() }
    : undefined;
}

/** True for files whose content never changes under the same name. */
export function isImmutable(path: string): boolean {
  return byHashDigest(path) !== undefined || /(^|\/)pool\//.test(path) ||
    /\.(deb|udeb|ddeb|dsc|tar\.[a-z0-9]+|diff\.gz)$/.test(path);
}

/** The compression an index file name implies. */
export function compressionOf(name: string): Compression {
  if (name.endsWith(".gz")) return "gz";
  if (name.endsWith(".xz")) return "xz";
  if (name.endsWith(".bz2")) return "bz2";
  return "none";
}

/**
 * The archive root that paths in a Packages/Sources index are relative to:
 * the part before `dists/` or, for flat repositories, the index's directory.
 */
export function archiveRootOf(indexPath: string): string {
  const dists = indexPath.lastIndexOf("/dists/");
  if (dists >= 0) return indexPath.slice(0, dists + 1);
  return indexPath.slice(0, indexPath.lastIndexOf("/") + 1);
}

/**
 * Joins an index's base and a path it lists into a cache key, normalized the
 * way request paths are (no empty or `.` segments). Undefined for paths that
 * would climb out with `..`.
 */
export function joinArchivePath(base: string, path: string): string | undefined {
  const segments = `${base}/${path}`.split("/").filter((s) => s !== "" && s !== ".");
  return segments.includes("..") ? undefined : segments.join("/");
}

/** An index's name without its compression suffix (`…/Packages.xz` → `…/Packages`). */
export function uncompressedName(name: string): string {
  return name.replace(/\.(gz|xz|bz2)$/, "");
}
