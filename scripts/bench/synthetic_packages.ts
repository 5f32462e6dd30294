/**
 * A synthetic Packages index shaped like Debian's main/binary-amd64 (the
 * same fields, lengths and entropy), for benchmarks and tests that need
 * one of a chosen size.
 *
 * @module
 */

/** One stanza shaped like those of Debian's main/binary-amd64/Packages. */
function stanza(i: number, random: () => number): string {
  const name = `pkg${i.toString(36)}-${["utils", "dev", "doc", "data", "common"][i % 5]}`;
  const hex = (n: number) =>
    Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");
  const words = () =>
    Array.from(
      { length: 3 + Math.floor(random() * 6) },
      () =>
        [
          "data",
          "library",
          "tool",
          "support",
          "the",
          "for",
          "files",
          "runtime",
          "module",
          "package",
        ][Math.floor(random() * 10)],
    ).join(" ");
  const description = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ` ${words()}`)
    .join("\n");
  const section = ["libs", "utils", "devel", "python", "doc", "net"][i % 6];
  return `Package: ${name}
Source: ${name.split("-")[0]}
Version: ${1 + (i % 9)}.${i % 17}.${i % 5}-${1 + (i % 3)}
Installed-Size: ${100 + Math.floor(random() * 90000)}
Maintainer: Debian Example Maintainers <pkg-example-${i % 97}@lists.alioth.debian.org>
Architecture: amd64
Depends: libc6 (>= 2.34), libstdc++6 (>= 12), lib${name}${i % 7} (= ${i % 9}.0)
Description: ${words()}
${description}
Homepage: https://example.org/projects/${name}
Description-md5: ${hex(32)}
Tag: role::program, implemented-in::c++, interface::commandline
Section: ${section}
Priority: optional
Filename: pool/main/${name[0]}/${name.split("-")[0]}/${name}_${1 + (i % 9)}.${i % 17}.${i % 5}-${
    1 + (i % 3)
  }_amd64.deb
Size: ${1000 + Math.floor(random() * 5_000_000)}
MD5sum: ${hex(32)}
SHA256: ${hex(64)}
`;
}

/**
 * Writes `<dir>/Packages` with `stanzas` stanzas and `<dir>/Packages.xz`;
 * `extra`, when given, is appended as the last stanza (a real file to fetch).
 */
export async function writeSyntheticPackages(
  dir: string,
  stanzas: number,
  options: { extra?: string; xzLevel?: number } = {},
): Promise<{ plain: string; xz: string; bytes: number; xzBytes: number }> {
  let seed = 42;
  const random = () => { // xorshift32: enough entropy that hashes do not compress
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const plain = `${dir}/Packages`;
  const file = await Deno.open(plain, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let batch = "";
  for (let i = 0; i < stanzas; i++) {
    batch += stanza(i, random) + "\n";
    if (batch.length > 1 << 20) {
      await file.write(encoder.encode(batch));
      batch = "";
    }
  }
  if (options.extra) batch += options.extra;
  await file.write(encoder.encode(batch));
  file.close();
  const xz = await new Deno.Command("xz", {
    args: ["-kf", `-${options.xzLevel ?? 6}`, "-T2", plain],
  }).output();
  if (!xz.success) throw new Error("xz failed");
  return {
    plain,
    xz: `${plain}.xz`,
    bytes: (await Deno.stat(plain)).size,
    xzBytes: (await Deno.stat(`${plain}.xz`)).size,
  };
}
