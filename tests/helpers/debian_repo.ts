/**
 * Builds a real, signed Debian repository for end-to-end tests: `.deb` files
 * made by `dpkg-deb`, indexes by `apt-ftparchive`, by-hash copies as Debian's
 * archive has them, and InRelease/Release.gpg signed with a throw-away gpg
 * key created for the test.
 */

import { createHash } from "node:crypto";
import { bytes } from "./archive.ts";

export interface RepoPackage {
  readonly name: string;
  /** Size of the payload file inside the package. */
  readonly payloadBytes: number;
}

export interface DebianRepo {
  /** Directory served as the mirror root; the archive is at `<root>/debian`. */
  readonly root: string;
  /** Binary keyring with the signing key, for `signed-by=`. */
  readonly keyring: string;
  readonly suite: string;
  /** Pool path (relative to the archive) and SHA-256 of each package. */
  readonly debs: ReadonlyMap<string, { path: string; sha256: string; size: number }>;
  cleanup(): Promise<void>;
}

export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const output = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!output.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${output.code}):\n${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

async function buildDeb(work: string, archive: string, pkg: RepoPackage, seed: number) {
  const dir = `${work}/build-${pkg.name}`;
  await Deno.mkdir(`${dir}/DEBIAN`, { recursive: true });
  await Deno.mkdir(`${dir}/usr/share/${pkg.name}`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/DEBIAN/control`,
    `Package: ${pkg.name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: apt-dht tests <tests@invalid>\nDescription: test package ${pkg.name}\n made for apt-dht's end-to-end tests\n`,
  );
  await Deno.writeFile(`${dir}/usr/share/${pkg.name}/payload`, bytes(pkg.payloadBytes, seed));
  const poolDir = `pool/main/${pkg.name[0]}/${pkg.name}`;
  await Deno.mkdir(`${archive}/${poolDir}`, { recursive: true });
  const path = `${poolDir}/${pkg.name}_1.0-1_all.deb`;
  await run("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", dir, `${archive}/${path}`]);
  const data = await Deno.readFile(`${archive}/${path}`);
  return { path, sha256: createHash("sha256").update(data).digest("hex"), size: data.length };
}

/** Creates the repository; call `cleanup()` when done. */
export async function buildDebianRepo(
  packages: readonly RepoPackage[],
  suite = "stable",
): Promise<DebianRepo> {
  const root = await Deno.makeTempDir({ prefix: "apt-dht-repo-" });
  const work = `${root}/.work`;
  const gnupg = `${work}/gnupg`;
  await Deno.mkdir(gnupg, { recursive: true, mode: 0o700 });
  const archive = `${root}/debian`;
  const debs = new Map<string, { path: string; sha256: string; size: number }>();
  let seed = 1;
  for (const pkg of packages) debs.set(pkg.name, await buildDeb(work, archive, pkg, seed++));

  const dist = `${archive}/dists/${suite}`;
  const binary = `${dist}/main/binary-amd64`;
  await Deno.mkdir(binary, { recursive: true });
  const packagesText = await run("apt-ftparchive", ["packages", "pool"], { cwd: archive });
  await Deno.writeTextFile(`${binary}/Packages`, packagesText);
  await run("gzip", ["-9nk", `${binary}/Packages`]);
  await run("xz", ["-k", `${binary}/Packages`]);
  // Debian's archive serves indexes by hash too; apt then asks for those URLs.
  for (const algorithm of ["SHA256", "SHA512"]) {
    const byHash = `${binary}/by-hash/${algorithm}`;
    await Deno.mkdir(byHash, { recursive: true });
    for (const name of ["Packages", "Packages.gz", "Packages.xz"]) {
      const data = await Deno.readFile(`${binary}/${name}`);
      await Deno.writeFile(
        `${byHash}/${createHash(algorithm.toLowerCase()).update(data).digest("hex")}`,
        data,
      );
    }
  }
  const release = await run("apt-ftparchive", [
    "-o",
    `APT::FTPArchive::Release::Suite=${suite}`,
    "-o",
    `APT::FTPArchive::Release::Codename=${suite}`,
    "-o",
    "APT::FTPArchive::Release::Components=main",
    "-o",
    "APT::FTPArchive::Release::Architectures=amd64",
    "-o",
    "APT::FTPArchive::Release::Acquire-By-Hash=yes",
    "release",
    ".",
  ], { cwd: dist });
  await Deno.writeTextFile(`${dist}/Release`, release);

  const gpg = (...args: string[]) =>
    run("gpg", [
      "--homedir",
      gnupg,
      "--batch",
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      "",
      ...args,
    ]);
  await gpg(
    "--quick-generate-key",
    "apt-dht test archive <archive@invalid>",
    "ed25519",
    "sign",
    "never",
  );
  await gpg("--clearsign", "--digest-algo", "SHA256", "-o", `${dist}/InRelease`, `${dist}/Release`);
  await gpg(
    "--detach-sign",
    "--digest-algo",
    "SHA256",
    "-o",
    `${dist}/Release.gpg`,
    `${dist}/Release`,
  );
  const keyring = `${work}/archive-keyring.gpg`;
  await gpg("--output", keyring, "--export", "archive@invalid");
  await run("gpgconf", ["--homedir", gnupg, "--kill", "gpg-agent"]).catch(() => {});

  return {
    root,
    keyring,
    suite,
    debs,
    async cleanup() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}
