/**
 * Builds small archive trees by hand for tests that need exact control of
 * the indexes (the end-to-end apt tests use apt-ftparchive and gpg instead).
 */

import type { TestSigner } from "./signing.ts";
import { createHash } from "node:crypto";

export const sha256 = (data: Uint8Array | string) =>
  createHash("sha256").update(data).digest("hex");

/** SHA-256 of a file's content, hex. */
export async function sha256File(path: string): Promise<string> {
  return sha256(await Deno.readFile(path));
}

export async function writeFile(
  root: string,
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const full = `${root}/${path}`;
  await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
  if (typeof data === "string") await Deno.writeTextFile(full, data);
  else await Deno.writeFile(full, data);
}

/** Deterministic pseudo-random bytes (so a corruption is always a real change). */
export function bytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Writes `pool` files under `<root>/debian/pool/...`, a Packages index for
 * them, and a Release listing Packages, with InRelease and Release.gpg when
 * a signer is given; returns the hashes.
 */
export async function buildArchive(
  root: string,
  pool: Record<string, Uint8Array>,
  options: { suite?: string; codename?: string; signer?: TestSigner } = {},
) {
  const suite = options.suite ?? "stable";
  const stanzas: string[] = [];
  for (const [name, data] of Object.entries(pool)) {
    const path = `pool/main/${name[0]}/${name.split("_")[0]}/${name}`;
    await writeFile(root, `debian/${path}`, data);
    stanzas.push(
      `Package: ${
        name.split("_")[0]
      }\nVersion: 1.0\nArchitecture: amd64\nDescription: test package\n multi-line\n .\n description\nFilename: ${path}\nSize: ${data.length}\nSHA256: ${
        sha256(data)
      }\n`,
    );
  }
  const packages = stanzas.join("\n");
  const packagesPath = `dists/${suite}/main/binary-amd64/Packages`;
  await writeFile(root, `debian/${packagesPath}`, packages);
  const release = `Origin: Test\nSuite: ${suite}\nCodename: ${
    options.codename ?? suite
  }\nSHA256:\n ${sha256(packages)} ${
    new TextEncoder().encode(packages).length
  } main/binary-amd64/Packages\n`;
  await writeFile(root, `debian/dists/${suite}/Release`, release);
  if (options.signer) {
    await writeFile(
      root,
      `debian/dists/${suite}/InRelease`,
      await options.signer.clearsign(release),
    );
    await writeFile(
      root,
      `debian/dists/${suite}/Release.gpg`,
      await options.signer.detachSign(new TextEncoder().encode(release)),
    );
  }
  return { packages, release, packagesPath: `debian/${packagesPath}` };
}
