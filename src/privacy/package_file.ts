/**
 * What a package file's name says of it. Debian names every .deb
 * `<package>_<version>_<architecture>.deb` (the version without its epoch,
 * which is why comparisons here leave epochs out on both sides), and keeps
 * it under `pool/<component>/<prefix>/<source package>/`.
 *
 * @module
 */

/** A binary package file, as its path names it. */
export interface PackageFile {
  /** The binary package's name. */
  readonly name: string;
  /** Its version, without the epoch (as file names carry it). */
  readonly version: string;
  readonly arch: string;
  /** The source package, when the path is under a pool (the directory the file is in). */
  readonly source?: string;
}

const FILE_NAME = /^([a-z0-9][a-z0-9+.-]*)_([^_/]+)_([a-z0-9-]+)\.u?deb$/;

/** The package file at `path` (a cache key, a URL path or a local path); undefined if it is none. */
export function packageFileOf(path: string): PackageFile | undefined {
  const parts = path.split("/");
  let fileName = parts[parts.length - 1];
  try {
    fileName = decodeURIComponent(fileName); // apt's own cache writes the epoch's colon as %3a
  } catch {
    return undefined;
  }
  const match = FILE_NAME.exec(fileName);
  if (!match) return undefined;
  const [, name, versionText, arch] = match;
  const colon = versionText.indexOf(":");
  const version = colon >= 0 ? versionText.slice(colon + 1) : versionText;
  const pool = parts.lastIndexOf("pool");
  // pool/<component>/<prefix>/<source>/<file>: the component may itself hold a slash (updates/main).
  const source = pool >= 0 && parts.length - pool >= 5 ? parts[parts.length - 2] : undefined;
  return source ? { name, version, arch, source } : { name, version, arch };
}
