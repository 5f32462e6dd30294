import assert from "node:assert/strict";
import { compareDebianVersions } from "../../src/privacy/debian_version.ts";

const sign = (n: number) => Math.sign(n);

Deno.test("compareDebianVersions() orders what Debian's releases and security updates use", () => {
  const rows: [string, string, number][] = [
    ["2.10-2", "2.10-2+deb12u1", -1],
    ["1:1.0-1", "2.0-1", 1],
    ["1.0~rc1-1", "1.0-1", -1],
    ["1.0-1", "1.0", 1],
    ["1.0", "1.0-0", 0],
    ["1.01", "1.1", 0],
    ["1.10", "1.9", 1],
    ["1.0a", "1.0+", -1],
    ["1.0~~", "1.0~", -1],
    ["3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1],
    ["2.36-9+deb12u4", "2.36-9+deb12u10", -1],
  ];
  for (const [a, b, expected] of rows) {
    assert.equal(sign(compareDebianVersions(a, b)), expected, `${a} vs ${b}`);
    assert.equal(sign(compareDebianVersions(b, a)), 0 - expected, `${b} vs ${a}`);
  }
});

Deno.test("compareDebianVersions() agrees with dpkg --compare-versions on seeded random versions", async () => {
  // Seeded, so a disagreement can be replayed.
  let seed = 20261206;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = (s: string) => s[Math.floor(random() * s.length)];
  const part = () => {
    let out = "";
    const n = 1 + Math.floor(random() * 6);
    for (let i = 0; i < n; i++) out += pick("0123456789..~+aZb0");
    return /^[0-9]/.test(out) ? out : "1" + out;
  };
  const version = () =>
    (random() < 0.2 ? `${Math.floor(random() * 3)}:` : "") + part() +
    (random() < 0.7 ? `-${part()}` : "");
  const pairs = Array.from({ length: 150 }, () => [version(), version()]);
  // Pairs that often share a prefix exercise the runs past the first.
  for (let i = 0; i < 50; i++) {
    const base = version();
    pairs.push([base + part(), base + (random() < 0.5 ? "~" : "") + part()]);
  }
  for (const [a, b] of pairs) {
    const lt = await new Deno.Command("dpkg", { args: ["--compare-versions", a, "lt", b] })
      .output();
    const eq = await new Deno.Command("dpkg", { args: ["--compare-versions", a, "eq", b] })
      .output();
    const dpkg = lt.code === 0 ? -1 : eq.code === 0 ? 0 : 1;
    assert.equal(sign(compareDebianVersions(a, b)), dpkg, `${a} vs ${b}`);
  }
});
