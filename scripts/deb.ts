/**
 * `deno task deb`: builds dist/apt-dht_<version>_<arch>.deb with
 * `dpkg-deb --root-owner-group`. /usr/bin/apt-dht is the compiled binary
 * when `deno task compile` built one (dist/apt-dht), else a launcher for the
 * bundle with this Deno runtime (the npm package's) under /usr/lib/apt-dht/.
 * The rest comes from packaging/deb/: the conffile config, the systemd unit,
 * the disabled apt proxy snippet and the maintainer scripts.
 *
 * Usage: deno run -A scripts/deb.ts [--binary PATH] [--output DIR]
 */

import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { bundle, BUNDLE_RUN_FLAGS } from "./bundle.ts";
import { VERSION } from "../src/version.ts";
import { manPage } from "./man_page.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FILES = `${ROOT}packaging/deb`;

/** What went into a package. */
export interface BuiltDeb {
  readonly path: string;
  /** "compiled" when /usr/bin/apt-dht is the executable, "bundle" for the launcher. */
  readonly kind: "compiled" | "bundle";
}

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

async function put(root: string, path: string, data: string | Uint8Array, mode = 0o644) {
  const target = `${root}/${path}`;
  await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
  if (typeof data === "string") await Deno.writeTextFile(target, data);
  else await Deno.writeFile(target, data);
  await Deno.chmod(target, mode);
}

async function copy(root: string, path: string, from: string, mode = 0o644) {
  await put(root, path, await Deno.readFile(from), mode);
}

/** Every regular file under `dir`, relative to it. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...await filesUnder(dir, path));
    else out.push(path);
  }
  return out.sort();
}

function launcher(): string {
  return `#!/bin/sh
# apt-dht: the bundled program on the Deno runtime shipped beside it. Paths are
# found from this script's own place, so an unpacked package runs as well.
here=$(dirname "$(readlink -f "$0")")
lib="$here/../lib/apt-dht"
export DENO_NO_UPDATE_CHECK=1
exec "$lib/deno" run ${BUNDLE_RUN_FLAGS.join(" ")} "$lib/apt-dht.js" "$@"
`;
}

function changelog(date: string): string {
  return `apt-dht (${VERSION}) unstable; urgency=medium

  * Release ${VERSION}.

 -- apt-dht developers <apt-dht@example.org>  ${date}
`;
}

/** Builds the package into `outputDir`; `binary` is a compiled apt-dht, if one was built. */
export async function buildDeb(options: { outputDir: string; binary?: string }): Promise<BuiltDeb> {
  const arch = (await run("dpkg", ["--print-architecture"])).trim();
  const stage = await Deno.makeTempDir({ prefix: "apt-dht-deb-" });
  try {
    const kind = options.binary ? "compiled" : "bundle";
    if (options.binary) {
      // Never stripped: the executable carries the program after its ELF sections.
      await copy(stage, "usr/bin/apt-dht", options.binary, 0o755);
    } else {
      await bundle(`${stage}/usr/lib/apt-dht/apt-dht.js`);
      await Deno.chmod(`${stage}/usr/lib/apt-dht/apt-dht.js`, 0o644);
      await copy(stage, "usr/lib/apt-dht/deno", Deno.execPath(), 0o755);
      await put(stage, "usr/bin/apt-dht", launcher(), 0o755);
    }
    await copy(stage, "etc/apt-dht/apt-dht.toml", `${FILES}/apt-dht.toml`);
    await copy(
      stage,
      "etc/apt/apt.conf.d/30apt-dht-proxy",
      `${FILES}/30apt-dht-proxy`,
    );
    await copy(stage, "lib/systemd/system/apt-dht.service", `${FILES}/apt-dht.service`);
    await copy(stage, "usr/share/doc/apt-dht/copyright", `${FILES}/copyright`);
    await copy(stage, "usr/share/doc/apt-dht/README.md", `${ROOT}README.md`);
    const date = new Date().toUTCString().replace(/GMT$/, "+0000");
    await put(
      stage,
      "usr/share/doc/apt-dht/changelog.gz",
      gzipSync(new TextEncoder().encode(changelog(date)), { level: 9 }),
    );
    await put(
      stage,
      "usr/share/man/man1/apt-dht.1.gz",
      gzipSync(new TextEncoder().encode(manPage()), { level: 9 }),
    );
    // The Deno runtime (alone, or as the base of the compiled executable) is shipped as its
    // upstream builds it: its linking and the libraries inside it are not ours to change.
    const runtime = kind === "bundle" ? "usr/lib/apt-dht/deno" : "usr/bin/apt-dht";
    await put(
      stage,
      "usr/share/lintian/overrides/apt-dht",
      `# ${runtime} is Deno's runtime as built upstream (statically linked Rust, V8 and their
# libraries); rebuilding it is out of this package's reach.
apt-dht: embedded-library * [${runtime}]
apt-dht: hardening-no-relro [${runtime}]
# Never strip it: deno compile appends the program after the ELF sections.
apt-dht: unstripped-binary-or-object [${runtime}]
`,
    );

    const files = await filesUnder(stage);
    let bytes = 0;
    const sums: string[] = [];
    for (const path of files) {
      const data = await Deno.readFile(`${stage}/${path}`);
      bytes += data.length;
      sums.push(`${createHash("md5").update(data).digest("hex")}  ${path}`);
    }
    await put(stage, "DEBIAN/md5sums", sums.join("\n") + "\n");
    await put(
      stage,
      "DEBIAN/conffiles",
      files.filter((f) => f.startsWith("etc/")).map((f) => `/${f}`).join("\n") + "\n",
    );
    await put(
      stage,
      "DEBIAN/control",
      `Package: apt-dht
Version: ${VERSION}
Architecture: ${arch}
Maintainer: apt-dht developers <apt-dht@example.org>
Installed-Size: ${Math.ceil(bytes / 1024)}
Depends: adduser, libc6 (>= 2.31), libgcc-s1
Section: net
Priority: optional
Homepage: https://example.org/apt-dht
Description: peer-to-peer proxy for apt
 apt-dht is a caching proxy for apt that fetches each package from other
 machines running it, found through a Kademlia DHT compatible with
 BitTorrent's mainline DHT, and falls back to the mirror. Every byte is
 checked against the hashes in the archive's signed indexes before apt
 sees it.
 .
 The service starts with a configuration that sends nothing beyond the
 machine; see /etc/apt-dht/apt-dht.toml and
 /etc/apt/apt.conf.d/30apt-dht-proxy.
`,
    );
    for (const script of ["postinst", "prerm", "postrm"]) {
      await copy(stage, `DEBIAN/${script}`, `${FILES}/${script}`, 0o755);
    }
    await Deno.mkdir(options.outputDir, { recursive: true });
    const path = `${options.outputDir}/apt-dht_${VERSION}_${arch}.deb`;
    // Directories as dpkg expects them (0755), whatever the umask made.
    await run("find", [stage, "-type", "d", "-exec", "chmod", "0755", "{}", "+"]);
    await run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", stage, path]);
    return { path, kind };
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { binary: { type: "string" }, output: { type: "string" } },
  });
  const compiled = `${ROOT}dist/apt-dht`;
  const binary = values.binary ??
    (await Deno.stat(compiled).then((s) => s.isFile, () => false) ? compiled : undefined);
  const built = await buildDeb({ outputDir: values.output ?? `${ROOT}dist`, binary });
  console.error(
    `deb: ${built.path} (${
      built.kind === "compiled"
        ? "the compiled dist/apt-dht"
        : `bundle + Deno ${Deno.version.deno} runtime; no compiled dist/apt-dht was found`
    })`,
  );
}
