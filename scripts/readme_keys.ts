/**
 * Writes the README's key table ("Every key:") from
 * src/config/key_reference.ts, the source apt-dht(1) is made from too, then
 * formats the README. tests/project/readme_test.ts holds the two equal.
 *
 * Usage: deno run -A scripts/readme_keys.ts
 *
 * @module
 */

import { KEY_REFERENCE } from "../src/config/key_reference.ts";

const README = new URL("../README.md", import.meta.url).pathname;
const HEADING = "Every key:\n\n";

/** The table's rows as Markdown (deno fmt aligns them). */
export function keyTable(): string {
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    row(["key", "default", "meaning"]),
    row(["---", "---", "---"]),
    ...KEY_REFERENCE.map((k) => row([`\`${k.key}\``, k.default, k.meaning])),
  ].join("\n");
}

if (import.meta.main) {
  const text = await Deno.readTextFile(README);
  const start = text.indexOf(HEADING) + HEADING.length;
  const end = text.indexOf("\n\n", start);
  if (start < HEADING.length || end < 0) {
    throw new Error(`no "${HEADING.trim()}" table in README.md`);
  }
  await Deno.writeTextFile(README, text.slice(0, start) + keyTable() + text.slice(end));
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", README] }).output();
  if (!fmt.success) throw new Error(new TextDecoder().decode(fmt.stderr));
}
