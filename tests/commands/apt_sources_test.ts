/**
 * `apt-dht apt-sources`: parsing both source formats, rewriting, printing
 * both formats, and real apt using each printed format through a daemon.
 */

import assert from "node:assert/strict";
import {
  aptSourcesReport,
  formatDeb822,
  formatOneLine,
  parseDeb822Sources,
  parseOneLineSources,
  readAptSources,
  rewriteEntries,
  rewriteUri,
} from "../../src/commands/apt_sources.ts";
import { buildDebianRepo } from "../helpers/debian_repo.ts";
import { createAptRoot } from "../helpers/apt.ts";
import { MirrorServer } from "../helpers/mirror_server.ts";
import { startTestDaemon } from "../helpers/daemon.ts";
import { makeTestCa } from "../helpers/tls.ts";

const daemon = { host: "localhost", port: 9977 };

Deno.test("one-line sources: options become deb822 fields and back; https takes the /https/ form, file stays", () => {
  const entries = parseOneLineSources(
    `# a comment
deb [arch=amd64,i386 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian/ bookworm main contrib
deb-src http://deb.debian.org/debian bookworm main # trailing comment
deb [signed-by=/etc/apt/keyrings/secure.asc arch=arm64] https://Secure.example.org:8443/repo stable main
deb http://example.org/flat ./
deb file:/srv/repo stable main
deb https://user:secret@private.example.org/repo stable main
not a source line
`,
    "/etc/apt/sources.list",
  );
  assert.equal(entries.length, 6);
  assert.deepEqual(
    entries[0].options,
    new Map([
      ["Architectures", "amd64 i386"],
      ["Signed-By", "/usr/share/keyrings/debian-archive-keyring.gpg"],
    ]),
  );
  const { entries: rewritten, unchanged } = rewriteEntries(entries, daemon);
  assert.deepEqual(unchanged, [
    "file:/srv/repo",
    "https://user:secret@private.example.org/repo",
  ]);
  assert.equal(
    formatOneLine(rewritten),
    `deb [arch=amd64,i386 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://localhost:9977/deb.debian.org/debian bookworm main contrib
deb-src http://localhost:9977/deb.debian.org/debian bookworm main
deb [signed-by=/etc/apt/keyrings/secure.asc arch=arm64] http://localhost:9977/https/secure.example.org:8443/repo stable main
deb http://localhost:9977/example.org/flat ./
deb file:/srv/repo stable main
deb https://user:secret@private.example.org/repo stable main
`,
  );
  assert.match(
    formatDeb822(rewritten.slice(0, 1)),
    /^Types: deb\nURIs: http:\/\/localhost:9977\/deb.debian.org\/debian\nSuites: bookworm\nComponents: main contrib\nArchitectures: amd64 i386\nSigned-By: \/usr\/share\/keyrings\/debian-archive-keyring.gpg\n$/,
  );
});

Deno.test("deb822 sources: several types, URIs and suites, disabled stanzas, an embedded key", () => {
  const entries = parseDeb822Sources(
    `# Debian
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://old.example.org/debian
Suites: buster
Components: main
Enabled: no

Types: deb
URIs: http://keyed.example.org/repo
Suites: stable
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mDMEZ...
 -----END PGP PUBLIC KEY BLOCK-----
`,
    "/etc/apt/sources.list.d/debian.sources",
  );
  assert.equal(entries.length, 2, "the disabled stanza is left out");
  const { entries: rewritten } = rewriteEntries(entries, daemon);
  const oneLine = formatOneLine(rewritten);
  assert.equal(oneLine.split("\n").filter((l) => l.startsWith("deb")).length, 5);
  assert.match(
    oneLine,
    /^deb-src \[signed-by=\S+\] http:\/\/localhost:9977\/deb.debian.org\/debian bookworm-updates main$/m,
  );
  assert.match(oneLine, /embeds a key/);
  const deb822 = formatDeb822(rewritten);
  assert.match(deb822, /Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n \.\n mDMEZ\.\.\.\n/);
  // What we print parses back to the same entries.
  assert.deepEqual(
    parseDeb822Sources(deb822, "x").map((e) => [e.types, e.uris, e.suites, e.components]),
    rewritten.map((e) => [e.types, e.uris, e.suites, e.components]),
  );
});

for (const scheme of ["http", "https"] as const) {
  Deno.test({
    name:
      `real apt works through the daemon with either format apt-sources prints, from an ${scheme} source`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const repo = await buildDebianRepo([{ name: "lima", payloadBytes: 8_000 }]);
      const ca = scheme === "https" ? await makeTestCa() : undefined;
      const mirror = await MirrorServer.start(repo.root, "127.0.0.1", 0, ca);
      await using server = await startTestDaemon({
        trust: { keyrings: [repo.keyring] },
        upstream: { ca_files: ca ? [ca.caFile] : [] },
      });
      const etc = await Deno.makeTempDir({ prefix: "apt-dht-etc-apt-" });
      try {
        // The machine's sources: one file per format, both naming the mirror directly.
        await Deno.mkdir(`${etc}/sources.list.d`);
        await Deno.writeTextFile(
          `${etc}/sources.list`,
          repo.sourceLine(`${scheme}://${mirror.authority}`) + "\n",
        );
        const report = aptSourcesReport(await readAptSources(etc), {
          host: "127.0.0.1",
          port: server.port,
        });
        const [oneLine, deb822] = report.split(/^# --- .*$/m).slice(1, 3).map((s) =>
          s.split("\n").filter((l) => !l.startsWith("#")).join("\n").trim()
        );
        const form = scheme === "https" ? `https/${mirror.authority}` : mirror.authority;
        assert.match(oneLine, new RegExp(`http://127.0.0.1:${server.port}/${form}/debian`));
        assert.match(oneLine, /\[signed-by=/, "the options are kept");
        assert.match(deb822, /^Signed-By: /m, "the options are kept");
        assert.match(report, /Acquire::http::Proxy "http:\/\/127.0.0.1:\d+";/);
        for (const [format, text] of [["one-line", oneLine], ["deb822", deb822]]) {
          const apt = await createAptRoot(format === "one-line" ? text : "");
          try {
            if (format === "deb822") {
              await Deno.writeTextFile(
                `${apt.dir}/etc/sources.list.d/apt-dht.sources`,
                text + "\n",
              );
            }
            const before = mirror.log.length;
            const output = await apt.update();
            assert.match(
              output,
              new RegExp(`127.0.0.1:${server.port}`),
              "apt went to the daemon",
            );
            // The first went to the mirror (over TLS for https); the second finds it cached.
            if (format === "one-line") assert.ok(mirror.log.length > before);
            assert.ok(
              mirror.log.slice(before).every((r) => r.headers.get("via")?.includes("apt-dht")),
            );
            const download = await apt.aptGet(["download", "lima"]);
            assert.equal(download.code, 0, download.output);
          } finally {
            await apt.cleanup();
          }
        }
      } finally {
        await Deno.remove(etc, { recursive: true });
        await mirror.stop();
        await ca?.cleanup();
        await repo.cleanup();
      }
    },
  });
}

Deno.test("apt-sources: a cdrom line stays whole, a line through a daemon is not wrapped again, https goes through it", () => {
  const moved = { host: "localhost", port: 9978 };
  const entries = parseOneLineSources(
    [
      "deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD]/ bookworm contrib main",
      "deb http://localhost:9977/deb.debian.org/debian bookworm main",
      "deb http://127.0.0.1:9977/security.debian.org:80/debian-security bookworm-security main",
      "deb https://packages.example.com/apt stable main",
      "deb http://localhost:9977/https/packages.example.org/apt stable main",
    ].join("\n"),
    "sources.list",
  );
  assert.deepEqual(entries[0].uris, [
    "cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD]/",
  ]);
  assert.deepEqual(entries[0].suites, ["bookworm"]);
  assert.deepEqual(entries[0].components, ["contrib", "main"]);
  // Already through a daemon on this machine, on another port: re-pointed, not wrapped.
  assert.equal(
    rewriteUri(entries[1].uris[0], moved),
    "http://localhost:9978/deb.debian.org/debian",
  );
  assert.equal(
    rewriteUri(entries[2].uris[0], moved),
    "http://localhost:9978/security.debian.org:80/debian-security",
  );
  const report = aptSourcesReport(entries, moved);
  assert.match(
    report,
    /^deb cdrom:\[Debian GNU\/Linux 12\.5\.0 _Bookworm_ - Official amd64 DVD\]\/ bookworm contrib main$/m,
  );
  assert.match(report, /cannot be written in deb822/);
  assert.doesNotMatch(report, /^URIs: cdrom:\[Debian$/m);
  assert.doesNotMatch(report, /localhost:9978\/localhost:9977/);
  assert.match(
    report,
    /^deb http:\/\/localhost:9978\/https\/packages\.example\.com\/apt stable main$/m,
  );
  assert.match(report, /^URIs: http:\/\/localhost:9978\/https\/packages\.example\.com\/apt$/m);
  assert.equal(
    rewriteUri(entries[4].uris[0], moved),
    "http://localhost:9978/https/packages.example.org/apt",
  );
  assert.match(report, /30apt-dht-proxy/);
  assert.match(report, /CONNECT tunnels/);
});
