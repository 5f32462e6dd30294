import assert from "node:assert/strict";
import { Deb822Parser, type Paragraph, parseDeb822, streamDeb822 } from "../../src/apt/deb822.ts";

Deno.test("parseDeb822() joins multi-line fields and keeps the ' .' blank lines as empty lines", () => {
  const [p] = parseDeb822(
    "Package: hello\nDescription: short\n long line one\n .\n line two\nSize: 3\n",
  );
  assert.equal(p.get("package"), "hello");
  assert.equal(p.get("description"), "short\nlong line one\n\nline two");
  assert.equal(p.get("size"), "3");
});

Deno.test("parseDeb822() splits paragraphs on blank and whitespace-only lines, tolerating runs of them", () => {
  const paragraphs = parseDeb822("A: 1\n\n\n\nB: 2\n \t\nC: 3\n");
  assert.deepEqual(paragraphs.map((p) => [...p.keys()]), [["a"], ["b"], ["c"]]);
});

Deno.test("parseDeb822() handles CRLF line ends and a missing final newline", () => {
  const paragraphs = parseDeb822("Package: a\r\nSHA256:\r\n abc 1 x\r\n\r\nPackage: b\r\nSize: 9");
  assert.equal(paragraphs.length, 2);
  assert.equal(paragraphs[0].get("sha256"), "abc 1 x");
  assert.equal(paragraphs[1].get("size"), "9");
});

Deno.test("parseDeb822() lower-cases field names, skips comments, and keeps values with colons", () => {
  const [p] = parseDeb822("# comment\nFileName: pool/a:b.deb\nMD5sum: 00\n");
  assert.equal(p.get("filename"), "pool/a:b.deb");
  assert.equal(p.get("md5sum"), "00");
});

Deno.test("Deb822Parser keeps only the asked-for fields, including their continuation lines", () => {
  const seen: Paragraph[] = [];
  const parser = new Deb822Parser((p) => seen.push(p), { fields: new Set(["files"]) });
  parser.push("Package: x\nDescription: d\n more\nFiles:\n a 1 f\n b 2 g\n");
  parser.end();
  assert.deepEqual([...seen[0]], [["files", "a 1 f\nb 2 g"]]);
});

Deno.test("Deb822Parser gives the same result however the text is cut into chunks", async () => {
  const text = "Package: a\r\nDescription: x\r\n y\r\n\r\nPackage: b\nSize: 10\n\nPackage: c\n";
  const whole = parseDeb822(text);
  for (const size of [1, 2, 3, 7]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    const stream = ReadableStream.from(chunks);
    const parsed: Paragraph[] = [];
    for await (const p of streamDeb822(stream)) parsed.push(p);
    assert.deepEqual(parsed, whole, `chunk size ${size}`);
  }
});
