/**
 * Where each key of a TOML file is set: its line, by dotted key
 * (`server.port`, `mirrors.debian`, `mirrors.debian.upstreams`), so
 * `apt-dht config` can say which line a value came from and an error in a
 * value can name its line. The parser (smol-toml) keeps no positions; this
 * reads the lines of a file it has already accepted: table headers, `key =`
 * at the start of a line, and nothing inside multi-line arrays and strings.
 *
 * @module
 */

/** Line numbers (from 1) of the keys and table headers of `text`. */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table = "";
  let depth = 0; // of brackets and braces left open by a value spanning lines
  let multiline: string | undefined; // the quote of a multi-line string left open
  text.split(/\r?\n/).forEach((line, i) => {
    const at = i + 1;
    if (multiline || depth > 0) {
      [depth, multiline] = scanValue(line, depth, multiline);
      return;
    }
    const header = /^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    if (header) {
      table = dottedKey(header[1]);
      if (!lines.has(table)) lines.set(table, at);
      return;
    }
    const assignment =
      /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$/
        .exec(line);
    if (!assignment) return;
    const key = (table ? `${table}.` : "") + dottedKey(assignment[1]);
    if (!lines.has(key)) lines.set(key, at);
    [depth, multiline] = scanValue(assignment[2], 0, undefined);
  });
  return lines;
}

/** `a."b c".d` as `a.b c.d`. */
function dottedKey(text: string): string {
  const parts = text.match(/"[^"]*"|'[^']*'|[^.\s]+/g) ?? [];
  return parts.map((p) => p.replace(/^["']|["']$/g, "")).join(".");
}

/**
 * Follows a value to the end of `line`: brackets and braces opened and not
 * yet closed, and a multi-line string still open (its quote), skipping
 * strings and comments.
 */
function scanValue(
  line: string,
  depth: number,
  multiline: string | undefined,
): [number, string | undefined] {
  let i = 0;
  while (i < line.length) {
    if (multiline) {
      const end = line.indexOf(multiline, i);
      if (end < 0) return [depth, multiline];
      i = end + 3;
      multiline = undefined;
      continue;
    }
    const c = line[i];
    if (c === "#") break;
    if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      multiline = line.slice(i, i + 3);
      i += 3;
      continue;
    }
    if (c === '"' || c === "'") {
      // A one-line string: to its closing quote (a basic string's \" does not close it).
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += c === '"' && line[j] === "\\" ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === "[" || c === "{") depth++;
    if (c === "]" || c === "}") depth = Math.max(0, depth - 1);
    i++;
  }
  return [depth, multiline];
}
