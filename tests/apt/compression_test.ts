import assert from "node:assert/strict";
import { decompress } from "../../src/apt/mod.ts";
import type { Compression } from "../../src/apt/index_files.ts";

const TEXT = "Package: x\n".repeat(20000);

async function compressWith(tool: string, data: string): Promise<Uint8Array> {
  const child = new Deno.Command(tool, { args: ["-c"], stdin: "piped", stdout: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(data));
  await writer.close();
  const { stdout } = await child.output();
  return stdout;
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

for (
  const [tool, compression, native] of [
    ["gzip", "gz", true],
    ["xz", "xz", true],
    ["xz", "xz", false],
    ["bzip2", "bz2", true],
  ] as const
) {
  const how = compression === "xz" ? (native ? " (system xz)" : " (WebAssembly)") : "";
  Deno.test(`decompress() streams ${compression} made by ${tool}${how}`, async () => {
    const packed = await compressWith(tool, TEXT);
    // Small chunks, as from a network.
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < packed.length; i += 1000) chunks.push(packed.subarray(i, i + 1000));
    assert.equal(
      await text(decompress(ReadableStream.from(chunks), compression as Compression, { native })),
      TEXT,
    );
  });

  Deno.test(`decompress() fails on truncated or corrupt ${compression} data${how}`, async () => {
    const packed = await compressWith(tool, TEXT);
    const half = packed.subarray(0, packed.length >> 1);
    await assert.rejects(text(decompress(ReadableStream.from([half]), compression, { native })));
    const corrupt = packed.slice();
    corrupt.fill(0x55, 20, 60);
    await assert.rejects(
      text(decompress(ReadableStream.from([corrupt]), compression, { native })),
      // The system xz's own words, not the broken pipe its early exit leaves behind.
      compression === "xz" && native ? /^DecompressionError: xz: / : /./,
    );
  });
}

Deno.test("decompress() with the system xz: a reader that stops early ends the xz process", async () => {
  const packed = await compressWith("xz", TEXT.repeat(20));
  const reader = decompress(ReadableStream.from([packed]), "xz").getReader();
  assert.equal((await reader.read()).done, false);
  await reader.cancel();
  // No xz left running by us (a leaked child would show as a resource leak in this test, too).
  const ps = await new Deno.Command("pgrep", { args: ["-P", String(Deno.pid), "xz"] }).output();
  assert.equal(new TextDecoder().decode(ps.stdout).trim(), "");
});
