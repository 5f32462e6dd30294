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
  /** Pool paths of the source packages' files (.dsc, .orig.tar.gz, .debian.tar.xz). */
  readonly sourceFiles: readonly string[];
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

/** Runs gpg non-interactively with its own home directory (made 0700 by the caller). */
export function gpgIn(home: string): (...args: string[]) => Promise<string> {
  return (...args) =>
    run("gpg", [
      "--homedir",
      home,
      "--batch",
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      "",
      ...args,
    ]);
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

/** A source package `<name>_1.0-1` in 3.0 (quilt) format, built by dpkg-source. */
async function buildSource(work: string, archive: string, pkg: RepoPackage, seed: number) {
  const dir = `${work}/src-${pkg.name}/${pkg.name}-1.0`;
  await Deno.mkdir(`${dir}/debian/source`, { recursive: true });
  await Deno.writeFile(`${dir}/payload`, bytes(pkg.payloadBytes, seed + 100));
  await run("tar", ["-czf", `../${pkg.name}_1.0.orig.tar.gz`, "--sort=name", "payload"], {
    cwd: dir,
  });
  await Deno.writeTextFile(`${dir}/debian/source/format`, "3.0 (quilt)\n");
  await Deno.writeTextFile(
    `${dir}/debian/control`,
    `Source: ${pkg.name}\nMaintainer: apt-dht tests <tests@invalid>\n\nPackage: ${pkg.name}\nArchitecture: all\nDescription: test package ${pkg.name}\n made for apt-dht's end-to-end tests\n`,
  );
  await Deno.writeTextFile(
    `${dir}/debian/changelog`,
    `${pkg.name} (1.0-1) stable; urgency=low\n\n  * Test.\n\n -- apt-dht tests <tests@invalid>  Sat, 21 Nov 2026 00:00:00 +0000\n`,
  );
  await Deno.writeTextFile(`${dir}/debian/rules`, "#!/usr/bin/make -f\n%:\n\tdh $@\n");
  await run("dpkg-source", ["-b", `${pkg.name}-1.0`], { cwd: `${work}/src-${pkg.name}` });
  const poolDir = `pool/main/${pkg.name[0]}/${pkg.name}`;
  await Deno.mkdir(`${archive}/${poolDir}`, { recursive: true });
  const files = [
    `${pkg.name}_1.0-1.dsc`,
    `${pkg.name}_1.0.orig.tar.gz`,
    `${pkg.name}_1.0-1.debian.tar.xz`,
  ];
  for (const name of files) {
    await Deno.copyFile(`${work}/src-${pkg.name}/${name}`, `${archive}/${poolDir}/${name}`);
  }
  return files.map((name) => `${poolDir}/${name}`);
}

/** What kind of repository to build. */
export interface RepoOptions {
  readonly suite?: string;
  /** Source packages too, with a Sources index (for `deb-src` and `apt-get source`). */
  readonly sources?: boolean;
  /**
   * A flat repository (`deb http://host/debian/flat ./`): packages and
   * indexes in one directory, no dists/, no by-hash.
   */
  readonly flat?: boolean;
}

/** Creates the repository; call `cleanup()` when done. */
export async function buildDebianRepo(
  packages: readonly RepoPackage[],
  options: RepoOptions = {},
): Promise<DebianRepo> {
  const suite = options.suite ?? "stable";
  const root = await Deno.makeTempDir({ prefix: "apt-dht-repo-" });
  const work = `${root}/.work`;
  const gnupg = `${work}/gnupg`;
  await Deno.mkdir(gnupg, { recursive: true, mode: 0o700 });
  const archive = options.flat ? `${root}/debian/flat` : `${root}/debian`;
  const debs = new Map<string, { path: string; sha256: string; size: number }>();
  const sourceFiles: string[] = [];
  let seed = 1;
  for (const pkg of packages) {
    debs.set(pkg.name, await buildDeb(work, archive, pkg, seed));
    if (options.sources) sourceFiles.push(...await buildSource(work, archive, pkg, seed));
    seed++;
  }

  const gpg = gpgIn(gnupg);
  await gpg(
    "--quick-generate-key",
    "apt-dht test archive <archive@invalid>",
    "ed25519",
    "sign",
    "never",
  );

  if (options.flat) {
    // Only some compressions, no by-hash: what small third-party repositories look like.
    const packagesText = await run("apt-ftparchive", ["packages", "pool"], { cwd: archive });
    await Deno.writeTextFile(`${archive}/Packages`, packagesText);
    await run("gzip", ["-9nk", `${archive}/Packages`]);
    await signedRelease(archive, [], gpg);
  } else {
    const dist = `${archive}/dists/${suite}`;
    const binary = `${dist}/main/binary-amd64`;
    await Deno.mkdir(binary, { recursive: true });
    const packagesText = await run("apt-ftparchive", ["packages", "pool"], { cwd: archive });
    await writeIndex(binary, "Packages", packagesText);
    if (options.sources) {
      const source = `${dist}/main/source`;
      await Deno.mkdir(source, { recursive: true });
      await writeIndex(
        source,
        "Sources",
        await run("apt-ftparchive", ["sources", "pool"], {
          cwd: archive,
        }),
      );
    }
    await signedRelease(dist, [
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
    ], gpg);
  }
  const keyring = `${work}/archive-keyring.gpg`;
  await gpg("--output", keyring, "--export", "archive@invalid");
  await run("gpgconf", ["--homedir", gnupg, "--kill", "gpg-agent"]).catch(() => {});

  return {
    root,
    keyring,
    suite,
    debs,
    sourceFiles,
    async cleanup() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/** An index with .gz and .xz beside it, and by-hash copies as Debian's archive has them. */
async function writeIndex(dir: string, name: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}`, text);
  await run("gzip", ["-9nk", `${dir}/${name}`]);
  await run("xz", ["-k", `${dir}/${name}`]);
  // Debian's archive serves indexes by hash too; apt then asks for those URLs.
  for (const algorithm of ["SHA256", "SHA512"]) {
    const byHash = `${dir}/by-hash/${algorithm}`;
    await Deno.mkdir(byHash, { recursive: true });
    for (const file of [name, `${name}.gz`, `${name}.xz`]) {
      const data = await Deno.readFile(`${dir}/${file}`);
      await Deno.writeFile(
        `${byHash}/${createHash(algorithm.toLowerCase()).update(data).digest("hex")}`,
        data,
      );
    }
  }
}

/** Release by apt-ftparchive, then InRelease and Release.gpg. */
async function signedRelease(
  dir: string,
  releaseOptions: string[],
  gpg: (...args: string[]) => Promise<string>,
): Promise<void> {
  const release = await run("apt-ftparchive", [...releaseOptions, "release", "."], { cwd: dir });
  await Deno.writeTextFile(`${dir}/Release`, release);
  await gpg("--clearsign", "--digest-algo", "SHA256", "-o", `${dir}/InRelease`, `${dir}/Release`);
  await gpg(
    "--detach-sign",
    "--digest-algo",
    "SHA256",
    "-o",
    `${dir}/Release.gpg`,
    `${dir}/Release`,
  );
}
