/**
 * The keys apt trusts, read the way apt finds them: `/etc/apt/trusted.gpg`,
 * `/etc/apt/trusted.gpg.d/*.gpg|*.asc`, and the `signed-by` keyrings under
 * `/usr/share/keyrings` and `/etc/apt/keyrings`, plus keyrings the config
 * names. Binary (dearmored) and armored files both; a file that cannot be
 * read is logged and skipped, never fatal.
 *
 * @module
 */

import type * as OpenPgp from "openpgp";
import { openPgp } from "./openpgp.ts";
import type { Logger } from "../log/mod.ts";
import { isArmored } from "./armor.ts";

/** Where apt keeps keys, in the order apt reads them. */
export const APT_KEYRING_PLACES = [
  "/etc/apt/trusted.gpg",
  "/etc/apt/trusted.gpg.d",
  "/usr/share/keyrings",
  "/etc/apt/keyrings",
] as const;

const KEYRING_FILE = /\.(gpg|asc|pgp)$/;
/** Keys Debian withdrew are shipped for reference only; apt never trusts them. */
const WITHDRAWN = /-removed-keys\.(gpg|pgp|asc)$/;

/** Where to read keys from. */
export interface KeyringPlaces {
  /** Read apt's own places (APT_KEYRING_PLACES). */
  readonly apt: boolean;
  /** Further keyring files. */
  readonly extra: readonly string[];
}

/** A keyring file and what came of reading it. */
export interface KeyringSource {
  readonly path: string;
  readonly keys: number;
  readonly error?: string;
}

/** The trusted keys, read on first use and again on `reload()`. */
export class TrustedKeys {
  #loading: Promise<OpenPgp.PublicKey[]> | undefined;
  #sources: KeyringSource[] = [];

  constructor(private places: KeyringPlaces, private readonly log?: Logger) {}

  /** Reads keys from other places from now on (a config reload), starting now. */
  reconfigure(places: KeyringPlaces): Promise<OpenPgp.PublicKey[]> {
    this.places = places;
    return this.reload();
  }

  /** Every trusted public key. */
  keys(): Promise<OpenPgp.PublicKey[]> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  /** Reads the keyrings again (after a config reload or a new keyring). */
  reload(): Promise<OpenPgp.PublicKey[]> {
    this.#loading = undefined;
    return this.keys();
  }

  /** What each keyring file gave, for the status page. */
  get sources(): readonly KeyringSource[] {
    return this.#sources;
  }

  async #load(): Promise<OpenPgp.PublicKey[]> {
    const files = [
      ...(this.places.apt ? await keyringFiles(APT_KEYRING_PLACES) : []),
      ...this.places.extra,
    ];
    const sources: KeyringSource[] = [];
    const keys: OpenPgp.PublicKey[] = [];
    for (const path of files) {
      try {
        const found = await readKeyring(await Deno.readFile(path));
        keys.push(...found);
        sources.push({ path, keys: found.length });
      } catch (error) {
        const message = (error as Error).message;
        sources.push({ path, keys: 0, error: message });
        this.log?.warn("trust.keyring_unreadable", { path, error: message });
      }
    }
    this.#sources = sources;
    this.log?.info("trust.keys_loaded", { files: sources.length, keys: keys.length });
    return keys;
  }
}

/** The keyring files at these places: files as they are, directories by extension. */
export async function keyringFiles(places: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const place of places) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(place);
    } catch {
      continue; // apt's places are all optional
    }
    if (info.isFile) {
      out.push(place);
      continue;
    }
    const names: string[] = [];
    for await (const entry of Deno.readDir(place)) {
      if ((entry.isFile || entry.isSymlink) && KEYRING_FILE.test(entry.name)) {
        names.push(entry.name);
      }
    }
    out.push(...names.filter((n) => !WITHDRAWN.test(n)).sort().map((n) => `${place}/${n}`));
  }
  return out;
}

/** The public keys in a keyring file, armored or binary. */
export async function readKeyring(bytes: Uint8Array): Promise<OpenPgp.PublicKey[]> {
  const openpgp = await openPgp();
  const keys = isArmored(bytes)
    ? await openpgp.readKeys({ armoredKeys: new TextDecoder().decode(bytes) })
    : await openpgp.readKeys({ binaryKeys: bytes });
  return keys.map((key) => key.toPublic());
}
