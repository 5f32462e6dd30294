/**
 * deb822 (RFC 822-style) paragraphs as apt writes them: `Field: value`,
 * continuation lines starting with a space or tab, paragraphs separated by
 * blank lines. Tolerates CRLF, a missing final newline and `#` comments.
 *
 * The parser is incremental (text arrives in chunks from a decompressor) and
 * can keep only some fields, which is what makes a 45 MB Packages file cheap.
 *
 * @module
 */

/** A paragraph: lower-cased field name → value (continuation lines joined by "\n"). */
export type Paragraph = Map<string, string>;

/** Options for {@link Deb822Parser}. */
export interface Deb822Options {
  /** Keep only these fields (lower-case names); all when omitted. */
  readonly fields?: ReadonlySet<string>;
}

/**
 * Incremental parser: `push()` text chunks, then `end()`; each complete
 * paragraph goes to the callback as soon as its closing blank line is seen.
 */
export class Deb822Parser {
  #carry = "";
  #current: Paragraph = new Map();
  #field: string | undefined; // the field continuation lines extend (undefined when skipped)
  #inParagraph = false;
  readonly #fields?: ReadonlySet<string>;

  constructor(
    private readonly onParagraph: (paragraph: Paragraph) => void,
    options: Deb822Options = {},
  ) {
    this.#fields = options.fields;
  }

  /** Feeds more text; complete lines are parsed, the remainder is kept. */
  push(text: string): void {
    let start = 0;
    const buffer = this.#carry.length ? this.#carry + text : text;
    while (true) {
      const newline = buffer.indexOf("\n", start);
      if (newline < 0) break;
      let end = newline;
      if (end > start && buffer.charCodeAt(end - 1) === 13) end--; // CRLF
      this.#line(buffer, start, end);
      start = newline + 1;
    }
    this.#carry = start < buffer.length ? buffer.slice(start) : "";
  }

  /** Flushes the last line and paragraph (files need not end with a newline). */
  end(): void {
    if (this.#carry.length) {
      const line = this.#carry.endsWith("\r") ? this.#carry.slice(0, -1) : this.#carry;
      this.#carry = "";
      this.#line(line, 0, line.length);
    }
    this.#finish();
  }

  #line(buffer: string, start: number, end: number): void {
    const first = buffer.charCodeAt(start);
    if (first === 32 || first === 9) { // continuation (or a whitespace-only line)
      const content = buffer.slice(start, end).trim();
      if (content === "") {
        this.#finish(); // a whitespace-only line separates paragraphs too
        return;
      }
      if (this.#field !== undefined) this.#append(content === "." ? "" : content);
      return;
    }
    if (start === end) {
      this.#finish();
      return;
    }
    if (first === 35) return; // '#' comment
    const colon = buffer.indexOf(":", start);
    if (colon < 0 || colon >= end) {
      this.#field = undefined; // not a field line: ignore it, as apt does
      return;
    }
    const name = buffer.slice(start, colon).toLowerCase();
    this.#inParagraph = true;
    if (this.#fields && !this.#fields.has(name)) {
      this.#field = undefined;
      return;
    }
    this.#field = name;
    this.#current.set(name, buffer.slice(colon + 1, end).trim());
  }

  #append(content: string): void {
    const name = this.#field!;
    const before = this.#current.get(name)!;
    this.#current.set(name, before === "" ? content : `${before}\n${content}`);
  }

  #finish(): void {
    this.#field = undefined;
    if (!this.#inParagraph) return;
    this.#inParagraph = false;
    const paragraph = this.#current;
    this.#current = new Map();
    this.onParagraph(paragraph);
  }
}

/** Parses a whole text into its paragraphs. */
export function parseDeb822(text: string, options: Deb822Options = {}): Paragraph[] {
  const out: Paragraph[] = [];
  const parser = new Deb822Parser((p) => out.push(p), options);
  parser.push(text);
  parser.end();
  return out;
}

/** Parses the paragraphs of a text stream, yielding each as it completes. */
export async function* streamDeb822(
  stream: ReadableStream<string>,
  options: Deb822Options = {},
): AsyncGenerator<Paragraph> {
  let ready: Paragraph[] = [];
  const parser = new Deb822Parser((p) => ready.push(p), options);
  for await (const chunk of stream) {
    parser.push(chunk);
    if (ready.length) {
      const batch = ready;
      ready = [];
      yield* batch;
    }
  }
  parser.end();
  yield* ready;
}
