import assert from "node:assert/strict";
import { packageFileOf } from "../../src/privacy/package_file.ts";
import { withheldReason } from "../../src/privacy/withheld_reason.ts";

Deno.test("packageFileOf() reads name, version, architecture and source from a pool path", () => {
  assert.deepEqual(
    packageFileOf("deb.debian.org/debian/pool/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb"),
    { name: "libssl3", version: "3.0.15-1~deb12u1", arch: "amd64", source: "openssl" },
  );
  // apt's own cache: the epoch's colon escaped, no pool (no source).
  assert.deepEqual(
    packageFileOf("/var/cache/apt/archives/bsdutils_1%3a2.38.1-5+deb12u1_amd64.deb"),
    {
      name: "bsdutils",
      version: "2.38.1-5+deb12u1",
      arch: "amd64",
    },
  );
  assert.equal(packageFileOf("deb.debian.org/debian/dists/bookworm/InRelease"), undefined);
  assert.equal(packageFileOf("h/debian/pool/main/h/hello/hello_2.10.dsc"), undefined);
  assert.equal(packageFileOf("h/pool/main/h/hello/%zz_1_amd64.deb"), undefined);
});

Deno.test("withheldReason() withholds what a newer security version or a newer fix marks", () => {
  const file = { name: "libssl3", version: "3.0.11-1~deb12u2", arch: "amd64", source: "openssl" };
  const security = new Map([["libssl3|amd64", "3.0.15-1~deb12u1"]]);
  const fixes = new Map([["openssl", new Map([["bookworm", "1:3.0.13-1~deb12u1"]])]]);
  const rows: [string, Parameters<typeof withheldReason>, string | undefined][] = [
    [
      "a newer version in the security archive",
      [file, "bookworm", { security }],
      "security_update",
    ],
    ["the same version as the security archive's", [
      { ...file, version: "3.0.15-1~deb12u1" },
      "bookworm",
      { security },
    ], undefined],
    ["a point release newer than the security archive's", [
      { ...file, version: "3.0.15-1~deb12u2" },
      "bookworm",
      { security },
    ], undefined],
    ["another architecture's update says nothing", [
      { ...file, arch: "arm64" },
      "bookworm",
      { security },
    ], undefined],
    ["a fix newer than it, epoch left out on both sides", [
      file,
      "bookworm",
      { security: new Map(), fixes },
    ], "vulnerable"],
    ["a fix in another release says nothing", [
      file,
      "trixie",
      { security: new Map(), fixes },
    ], undefined],
    ["no release known: the list cannot judge", [
      file,
      undefined,
      { security: new Map(), fixes },
    ], undefined],
    ["already fixed", [
      { ...file, version: "3.0.13-1~deb12u1" },
      "bookworm",
      { security: new Map(), fixes },
    ], undefined],
  ];
  for (const [what, args, expected] of rows) assert.equal(withheldReason(...args), expected, what);
});
