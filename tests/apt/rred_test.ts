/**
 * rred against patches made by GNU `diff --ed` from a real deb822 file
 * (dpkg's status file, present on every Debian machine), chained patches,
 * the escaped "." line, and patches that do not fit.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { applyPatches, parseEdScript } from "../../src/apt/pdiff/mod.ts";
import { PatchError } from "../../src/apt/pdiff/rred.ts";

const encoder = new TextEncoder();

async function edDiff(from: Uint8Array, to: Uint8Array): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-rred-" });
  try {
    await Deno.writeFile(`${dir}/old`, from);
    await Deno.writeFile(`${dir}/new`, to);
    const out = await new Deno.Command("diff", { args: ["--ed", `${dir}/old`, `${dir}/new`] })
      .output();
    assert.ok(out.code === 0 || out.code === 1, new TextDecoder().decode(out.stderr));
    return out.stdout;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Applies the patches, feeding the old file in chunks of `chunk` bytes. */
async function patched(old: Uint8Array, scripts: Uint8Array[], chunk = 4096): Promise<Uint8Array> {
  const input = ReadableStream.from((function* () {
    for (let at = 0; at < old.length; at += chunk) yield old.slice(at, at + chunk);
  })());
  const out = applyPatches(input, scripts.map(parseEdScript));
  return new Uint8Array(await new Response(out).arrayBuffer());
}

async function roundTrip(from: Uint8Array, to: Uint8Array, chunk?: number) {
  const result = await patched(from, [await edDiff(from, to)], chunk);
  assert.equal(result.length, to.length);
  assert.ok(Buffer.from(result).equals(Buffer.from(to)), "patched bytes differ");
}

/** Stanzas of dpkg's status file. */
async function realStanzas(): Promise<string[]> {
  const text = await Deno.readTextFile("/var/lib/dpkg/status");
  const stanzas = text.split(/\n\n+/).filter((s) => s.trim() !== "");
  assert.ok(stanzas.length > 20, "dpkg status has packages");
  return stanzas;
}

const join = (stanzas: string[]) => encoder.encode(stanzas.join("\n\n") + "\n");

Deno.test("diff --ed patches of a real index apply byte for byte: removals, changes, additions", async () => {
  const stanzas = await realStanzas();
  const old = join(stanzas);
  const edited = stanzas
    .filter((_, i) => i % 7 !== 3) // removals
    .map((s, i) => i % 11 === 5 ? s.replace(/^Version: (.*)$/m, "Version: $1+b1") : s); // changes
  edited.splice(4, 0, "Package: zz-new\nVersion: 1\nDescription: added\n a line\n .\n another");
  edited.push("Package: last-one\nVersion: 2");
  const next = join(edited);
  for (const chunk of [1, 7, 4096, 1 << 20]) await roundTrip(old, next, chunk);
});

Deno.test("a chain of patches applies in order (unmerged pdiffs)", async () => {
  const stanzas = await realStanzas();
  const v1 = join(stanzas);
  const v2 = join(stanzas.slice(1));
  const v3 = join([...stanzas.slice(1, -1), "Package: tail\nVersion: 3"]);
  const result = await patched(v1, [await edDiff(v1, v2), await edDiff(v2, v3)]);
  assert.ok(Buffer.from(result).equals(Buffer.from(v3)));
});

Deno.test('an inserted "." line (diff writes "..", then s/.//, then a) comes out as "."', async () => {
  const old = encoder.encode("a\nb\nc\n");
  const next = encoder.encode("a\n.\nx\n.\nb\nc\n.\n");
  const script = await edDiff(old, next);
  assert.match(new TextDecoder().decode(script), /^s\/\.\/\/$/m, "diff escaped the dot");
  await roundTrip(old, next);
});

Deno.test("edge cases: empty old file, everything deleted, a last line without newline", async () => {
  await roundTrip(encoder.encode(""), encoder.encode("one\ntwo\n"));
  await roundTrip(encoder.encode("one\ntwo\n"), encoder.encode(""));
  // diff --ed cannot express a missing final newline; rred keeps it, and ends it when appending.
  const text = async (old: string, script: string) =>
    new TextDecoder().decode(await patched(encoder.encode(old), [encoder.encode(script)], 2));
  assert.equal(await text("one\ntwo", "0a\nzero\n.\n"), "zero\none\ntwo");
  assert.equal(await text("one\ntwo", "2a\nthree\n.\n"), "one\ntwo\nthree\n");
  assert.equal(await text("one\ntwo", "2d\n"), "one\n");
  await roundTrip(encoder.encode("a\nb\nc\nd\ne\n"), encoder.encode("a\nB\nc\ne\nf\n"));
});

Deno.test("patches that do not parse or do not fit are refused", async () => {
  const bad = (script: string) => () => parseEdScript(encoder.encode(script));
  assert.throws(bad("1,2x\n"), PatchError);
  assert.throws(bad("3a\nunterminated\n"), PatchError);
  assert.throws(bad("1d\n5d\n"), /out of order/); // ascending: not what diff writes
  assert.throws(bad("3,5d\n4d\n"), /overlapping/);
  assert.throws(bad("0d\n"), PatchError);
  assert.throws(bad("w /etc/passwd\n"), PatchError);
  // Line 9 of a three-line file.
  await assert.rejects(
    patched(encoder.encode("a\nb\nc\n"), [encoder.encode("9d\n")]),
    /refers to line 9 but the file has 3/,
  );
  await assert.rejects(
    patched(encoder.encode("a\nb\nc\n"), [encoder.encode("5a\nx\n.\n")]),
    PatchError,
  );
});
