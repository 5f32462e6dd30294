import assert from "node:assert/strict";
import { type Compression, decompress } from "../../src/apt/mod.ts";

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

for (const [tool, compression] of [["gzip", "gz"], ["xz", "xz"], ["bzip2", "bz2"]] as const) {
  Deno.test(`decompress() streams ${compression} made by ${tool}`, async () => {
    const packed = await compressWith(tool, TEXT);
    // Small chunks, as from a network.
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < packed.length; i += 1000) chunks.push(packed.subarray(i, i + 1000));
    assert.equal(
      await text(decompress(ReadableStream.from(chunks), compression as Compression)),
      TEXT,
    );
  });

  Deno.test(`decompress() fails on truncated ${compression} data`, async () => {
    const packed = await compressWith(tool, TEXT);
    await assert.rejects(
      text(decompress(ReadableStream.from([packed.subarray(0, packed.length >> 1)]), compression)),
    );
  });
}
