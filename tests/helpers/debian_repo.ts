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
  /** The binary package's version (default 1.0-1; source packages are always 1.0-1). */
  readonly version?: string;
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
    `Package: ${pkg.name}\nVersion: ${
      pkg.version ?? "1.0-1"
    }\nArchitecture: all\nMaintainer: apt-dht tests <tests@invalid>\nDescription: test package ${pkg.name}\n made for apt-dht's end-to-end tests\n`,
  );
  await Deno.writeFile(`${dir}/usr/share/${pkg.name}/payload`, bytes(pkg.payloadBytes, seed));
  const poolDir = `pool/main/${pkg.name[0]}/${pkg.name}`;
  await Deno.mkdir(`${archive}/${poolDir}`, { recursive: true });
  const path = `${poolDir}/${pkg.name}_${pkg.version ?? "1.0-1"}_all.deb`;
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
  /** Suite (the directory under dists/; may contain "/", as old security suites did). */
  readonly suite?: string;
  /** The archive's directory under the served root (default "debian"). */
  readonly archive?: string;
  /** Components; packages go to the first, the others are empty (default ["main"]). */
  readonly components?: readonly string[];
  /** Source packages too, with a Sources index (for `deb-src` and `apt-get source`). */
  readonly sources?: boolean;
  /**
   * A flat repository (`deb http://host/<archive>/flat ./`): packages and
   * indexes in one directory, no dists/, no by-hash.
   */
  readonly flat?: boolean;
  /** Which compressed indexes exist (default gz and xz). */
  readonly compressions?: readonly ("gz" | "xz" | "bz2")[];
  /**
   * Whether the uncompressed index stays on the mirror (default true). When
   * false, the Release still lists it, as Debian's and Ubuntu's do.
   */
  readonly uncompressed?: boolean;
  /** by-hash copies and `Acquire-By-Hash: yes` (default true). */
  readonly byHash?: boolean;
  /** The hash tables the Release has (default all that apt-ftparchive writes). */
  readonly releaseHashes?: readonly ("MD5" | "SHA1" | "SHA256" | "SHA512")[];
  /** Translation-en, Contents-amd64, dep11 Components and cnf Commands, as Debian has them. */
  readonly extras?: boolean;
}

export interface DebianRepo {
  /** Directory served as the mirror root. */
  readonly root: string;
  /** The archive's path under the root (`debian`, or `debian/flat`). */
  readonly archivePath: string;
  /** Binary keyring with the signing key, for `signed-by=`. */
  readonly keyring: string;
  readonly suite: string;
  readonly components: readonly string[];
  /** Pool path (relative to the archive) and SHA-256 of each package. */
  readonly debs: ReadonlyMap<string, { path: string; sha256: string; size: number }>;
  /** Pool paths of the source packages' files (.dsc, .orig.tar.gz, .debian.tar.xz). */
  readonly sourceFiles: readonly string[];
  /** The apt source line (one-line format) for this repository behind `base` (`http://host:port/...`). */
  sourceLine(base: string, type?: "deb" | "deb-src"): string;
  /**
   * Adds packages and publishes new indexes and a new signed Release; with
   * `pdiff`, also a `Packages.diff/` in dak's merged style, with a patch
   * from every earlier Packages to the new one.
   */
  add(packages: readonly RepoPackage[], options?: { pdiff?: boolean }): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates the repository; call `cleanup()` when done. */
export async function buildDebianRepo(
  packages: readonly RepoPackage[],
  options: RepoOptions = {},
): Promise<DebianRepo> {
  const suite = options.suite ?? "stable";
  const components = options.components ?? ["main"];
  const root = await Deno.makeTempDir({ prefix: "apt-dht-repo-" });
  const work = `${root}/.work`;
  const gnupg = `${work}/gnupg`;
  await Deno.mkdir(gnupg, { recursive: true, mode: 0o700 });
  const archivePath = `${options.archive ?? "debian"}${options.flat ? "/flat" : ""}`;
  const archive = `${root}/${archivePath}`;
  const debs = new Map<string, { path: string; sha256: string; size: number }>();
  const sourceFiles: string[] = [];
  const gpg = gpgIn(gnupg);
  await gpg(
    "--quick-generate-key",
    "apt-dht test archive <archive@invalid>",
    "ed25519",
    "sign",
    "never",
  );
  const keyring = `${work}/archive-keyring.gpg`;
  await gpg("--output", keyring, "--export", "archive@invalid");

  let seed = 1;
  /** Earlier Packages texts of the first component, oldest first (for merged pdiffs). */
  const history: { text: string; stamp: string }[] = [];
  let generation = 0;
  const stampOf = (n: number) => `2026-11-21-${String(n).padStart(2, "0")}00.00`;

  const publish = async (pdiff: boolean) => {
    if (options.flat) {
      // Only some compressions, no by-hash: what small third-party repositories look like.
      const packagesText = await run("apt-ftparchive", ["packages", "pool"], { cwd: archive });
      await Deno.writeTextFile(`${archive}/Packages`, packagesText);
      await run("gzip", ["-9nkf", `${archive}/Packages`]);
      await signedRelease(archive, [], gpg);
      return;
    }
    const dist = `${archive}/dists/${suite}`;
    const listed: string[] = [];
    for (const [i, component] of components.entries()) {
      const binary = `${dist}/${component}/binary-amd64`;
      await Deno.mkdir(binary, { recursive: true });
      const text = i === 0
        ? await run("apt-ftparchive", ["packages", "pool"], { cwd: archive })
        : "";
      const stamp = stampOf(generation);
      if (i === 0 && pdiff && history.length) await writePdiff(binary, history, { text, stamp });
      if (i === 0) history.push({ text, stamp });
      listed.push(...await writeIndex(binary, "Packages", text, options));
      if (options.sources) {
        const source = `${dist}/${component}/source`;
        await Deno.mkdir(source, { recursive: true });
        const sources = i === 0
          ? await run("apt-ftparchive", ["sources", "pool"], { cwd: archive })
          : "";
        listed.push(...await writeIndex(source, "Sources", sources, options));
      }
      if (options.extras) listed.push(...await writeExtras(dist, component, text, options));
    }
    const hashes = options.releaseHashes;
    await signedRelease(
      dist,
      [
        ["Suite", suite],
        ["Codename", suite.split("/")[0]],
        ["Components", components.join(" ")],
        ["Architectures", "amd64"],
        ["Acquire-By-Hash", options.byHash === false ? "no" : "yes"],
      ].flatMap(([name, value]) => ["-o", `APT::FTPArchive::Release::${name}=${value}`]).concat(
        // apt-ftparchive's default patterns, plus command-not-found's Commands files.
        RELEASE_PATTERNS.flatMap((p) => ["-o", `APT::FTPArchive::Release::Patterns::=${p}`]),
        hashes
          ? ["MD5", "SHA1", "SHA256", "SHA512"].flatMap((
            h,
          ) => [
            "-o",
            `APT::FTPArchive::Release::${h}=${hashes.includes(h as "MD5") ? "true" : "false"}`,
          ])
          : [],
      ),
      gpg,
    );
    // Listed in the Release, absent from the mirror (Debian's uncompressed indexes).
    if (options.uncompressed === false) {
      for (const path of listed) if (!/\.(gz|xz|bz2)$/.test(path)) await Deno.remove(path);
    }
  };

  const add = async (more: readonly RepoPackage[], addOptions: { pdiff?: boolean } = {}) => {
    for (const pkg of more) {
      debs.set(pkg.name, await buildDeb(work, archive, pkg, seed));
      if (options.sources) sourceFiles.push(...await buildSource(work, archive, pkg, seed));
      seed++;
    }
    generation++;
    await publish(addOptions.pdiff ?? false);
  };
  await add(packages);
  await run("gpgconf", ["--homedir", gnupg, "--kill", "gpg-agent"]).catch(() => {});

  return {
    root,
    archivePath,
    keyring,
    suite,
    components,
    debs,
    sourceFiles,
    sourceLine(base, type = "deb") {
      const where = options.flat ? "./" : `${suite} ${components.join(" ")}`;
      return `${type} [signed-by=${keyring}] ${base}/${archivePath} ${where}`;
    },
    async add(more, addOptions) {
      await add(more, addOptions);
      await run("gpgconf", ["--homedir", gnupg, "--kill", "gpg-agent"]).catch(() => {});
    },
    async cleanup() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

const RELEASE_PATTERNS = [
  "Packages*",
  "Sources*",
  "Release",
  "Contents-*",
  "Index",
  "Translation-*",
  "Components-*",
  "Commands-*",
  "icons-*",
];

const hashOf = (algorithm: string, data: Uint8Array | string) =>
  createHash(algorithm).update(data).digest("hex");

/**
 * An index with the chosen compressions beside it, and by-hash copies as
 * Debian's archive has them. Returns the paths written (not by-hash).
 */
async function writeIndex(
  dir: string,
  name: string,
  text: string,
  options: RepoOptions,
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const plain = `${dir}/${name}`;
  await Deno.writeTextFile(plain, text);
  const compressions = options.compressions ?? ["gz", "xz"];
  const tools = { gz: ["gzip", "-9nkf"], xz: ["xz", "-kf"], bz2: ["bzip2", "-kf"] };
  for (const c of compressions) await run(tools[c][0], [tools[c][1], plain]);
  const files = [plain, ...compressions.map((c) => `${plain}.${c}`)];
  if (options.byHash !== false) await writeByHash(dir, files);
  return files;
}

/** Debian's archive serves indexes by hash too; apt then asks for those URLs. */
async function writeByHash(dir: string, files: readonly string[]): Promise<void> {
  for (const algorithm of ["SHA256", "SHA512"]) {
    const byHash = `${dir}/by-hash/${algorithm}`;
    await Deno.mkdir(byHash, { recursive: true });
    for (const file of files) {
      const data = await Deno.readFile(file);
      await Deno.writeFile(`${byHash}/${hashOf(algorithm.toLowerCase(), data)}`, data);
    }
  }
}

/** Translation, Contents, dep11 and cnf files for one component, as Debian's archive has them. */
async function writeExtras(
  dist: string,
  component: string,
  packagesText: string,
  options: RepoOptions,
): Promise<string[]> {
  const names = [...packagesText.matchAll(/^Package: (.+)$/gm)].map((m) => m[1]);
  const at = `${dist}/${component}`;
  const translations = names.map((n) =>
    `Package: ${n}\nDescription-md5: ${
      hashOf("md5", n)
    }\nDescription-en: test package ${n}\n made for apt-dht's end-to-end tests\n`
  ).join("\n");
  const written = [
    ...await writeIndex(`${at}/i18n`, "Translation-en", translations, options),
    ...await writeIndex(
      at,
      "Contents-amd64",
      names.map((n) => `usr/share/${n}/payload ${component}/${n}\n`).join(""),
      { ...options, compressions: ["gz"] },
    ),
    ...await writeIndex(
      `${at}/dep11`,
      "Components-amd64.yml",
      `---\nFile: DEP-11\nVersion: '0.12'\nOrigin: test-${component}\n`,
      { ...options, compressions: ["gz"] },
    ),
    ...await writeIndex(
      `${at}/cnf`,
      "Commands-amd64",
      names.map((n) => `name: ${n}\nversion: 1.0-1\ncommands: ${n}\n\n`).join(""),
      { ...options, compressions: ["xz"] },
    ),
  ];
  // apt's i18n/Index (old-style Translation list) is still published by dak.
  const translation = await Deno.readFile(`${at}/i18n/Translation-en`);
  await Deno.writeTextFile(
    `${at}/i18n/Index`,
    `SHA1:\n ${hashOf("sha1", translation)} ${translation.length} Translation-en\n`,
  );
  return written;
}

/**
 * A `Packages.diff/` as dak writes it in merged mode: for every earlier
 * Packages, one patch (`T-<new>-F-<old>`, made by `diff --ed`) straight to
 * the new one, gzipped, and an Index naming them all.
 */
async function writePdiff(
  dir: string,
  earlier: readonly { text: string; stamp: string }[],
  now: { text: string; stamp: string },
): Promise<void> {
  const diffDir = `${dir}/Packages.diff`;
  await Deno.remove(diffDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(diffDir, { recursive: true });
  await Deno.writeTextFile(`${dir}/Packages.new`, now.text);
  const rows = { history: [] as string[], patches: [] as string[], download: [] as string[] };
  const patchFiles: string[] = [];
  for (const old of earlier) {
    const name = `T-${now.stamp}-F-${old.stamp}`;
    await Deno.writeTextFile(`${dir}/Packages.old`, old.text);
    const out = await new Deno.Command("diff", {
      args: ["--ed", `${dir}/Packages.old`, `${dir}/Packages.new`],
      stdout: "piped",
    }).output();
    if (out.code > 1) throw new Error(`diff --ed failed for ${name}`);
    await Deno.writeFile(`${diffDir}/${name}`, out.stdout);
    await run("gzip", ["-9nf", `${diffDir}/${name}`]);
    const gz = await Deno.readFile(`${diffDir}/${name}.gz`);
    patchFiles.push(`${diffDir}/${name}.gz`);
    rows.history.push(` ${hashOf("sha256", old.text)} ${byteLength(old.text)} ${name}`);
    rows.patches.push(` ${hashOf("sha256", out.stdout)} ${out.stdout.length} ${name}`);
    rows.download.push(` ${hashOf("sha256", gz)} ${gz.length} ${name}.gz`);
  }
  await Deno.remove(`${dir}/Packages.old`);
  await Deno.remove(`${dir}/Packages.new`);
  await Deno.writeTextFile(
    `${diffDir}/Index`,
    `SHA256-Current: ${hashOf("sha256", now.text)} ${byteLength(now.text)}\n` +
      `SHA256-History:\n${rows.history.join("\n")}\n` +
      `SHA256-Patches:\n${rows.patches.join("\n")}\n` +
      `SHA256-Download:\n${rows.download.join("\n")}\n` +
      "X-Patch-Precedence: merged\n",
  );
  await writeByHash(diffDir, [`${diffDir}/Index`, ...patchFiles]);
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;

/** Release by apt-ftparchive, then InRelease and Release.gpg. */
async function signedRelease(
  dir: string,
  releaseOptions: string[],
  gpg: (...args: string[]) => Promise<string>,
): Promise<void> {
  for (const old of ["Release", "InRelease", "Release.gpg"]) {
    await Deno.remove(`${dir}/${old}`).catch(() => {});
  }
  const release = await run("apt-ftparchive", [...releaseOptions, "release", "."], { cwd: dir });
  await Deno.writeTextFile(`${dir}/Release`, release);
  await gpg("--clearsign", "--digest-algo", "SHA256", "-o", `${dir}/InRelease`, `${dir}/Release`);
  // Armored, as archives publish it: apt refuses a binary Release.gpg.
  await gpg(
    "--detach-sign",
    "--armor",
    "--digest-algo",
    "SHA256",
    "-o",
    `${dir}/Release.gpg`,
    `${dir}/Release`,
  );
  // A new Release within the same second must still look newer to If-Modified-Since.
  const previous = releaseTimes.get(dir) ?? 0;
  const time = Math.max(Math.ceil(Date.now() / 1000), previous + 2);
  releaseTimes.set(dir, time);
  for (const name of ["Release", "InRelease", "Release.gpg"]) {
    await Deno.utime(`${dir}/${name}`, time, time);
  }
}

const releaseTimes = new Map<string, number>();
