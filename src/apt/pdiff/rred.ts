/**
 * rred: the restricted ed-style patches of Debian's pdiffs (`diff --ed`
 * output), applied as a stream. Only `a`, `c`, `d` and the `s/.//` that
 * un-escapes an inserted "." line are understood; commands must come in
 * descending line order without overlapping, as diff writes them, so one
 * pass over the old file suffices and neither file is held in memory.
 *
 * @module
 */

/** A patch that cannot be parsed or does not fit the file it is applied to. */
export class PatchError extends Error {
  override name = "PatchError";
}

/** One command: replace old lines `first..last` (1-based; empty when last < first) with `lines`. */
export interface Hunk {
  readonly first: number;
  readonly last: number;
  readonly lines: readonly Uint8Array[];
}

const NEWLINE = 10;
const COMMAND = /^(\d+)(?:,(\d+))?([acd])$/;

/** Splits bytes into lines without their "\n" (a final line without one counts too). */
function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(NEWLINE, start);
    const end = nl < 0 ? bytes.length : nl;
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return lines;
}

const latin1 = new TextDecoder("latin1");

/** Parses an ed script into hunks in ascending line order. */
export function parseEdScript(script: Uint8Array): Hunk[] {
  const lines = splitLines(script);
  const commands: { first: number; last: number; lines: Uint8Array[] }[] = [];
  let i = 0;
  while (i < lines.length) {
    const text = latin1.decode(lines[i++]);
    const match = COMMAND.exec(text);
    if (!match) {
      throw new PatchError(`line ${i}: not an a, c or d command: ${JSON.stringify(text)}`);
    }
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    const op = match[3];
    if (to < from || (op !== "a" && from === 0)) {
      throw new PatchError(`line ${i}: bad range ${match[1]},${match[2]}`);
    }
    const hunk = op === "a"
      ? { first: from + 1, last: from, lines: [] as Uint8Array[] }
      : { first: from, last: to, lines: [] as Uint8Array[] };
    if (match[2] !== undefined && op === "a") throw new PatchError(`line ${i}: 'a' takes one line`);
    const previous = commands.at(-1);
    // Descending and disjoint: each command lies wholly below the one before it.
    if (previous && hunk.last >= previous.first) {
      throw new PatchError(`line ${i}: commands out of order or overlapping`);
    }
    commands.push(hunk);
    if (op === "d") continue;
    for (;;) {
      if (i >= lines.length) throw new PatchError("inserted text not terminated by '.'");
      const line = lines[i++];
      if (line.length === 1 && line[0] === 0x2e) break; // "."
      hunk.lines.push(line);
    }
    // diff writes an inserted "." as "..", then "s/.//" and "a" to go on inserting after it.
    while (i < lines.length && latin1.decode(lines[i]) === "s/.//") {
      const last = hunk.lines.at(-1);
      if (!last || last[0] !== 0x2e) {
        throw new PatchError(`line ${i + 1}: s/.// without a "." line`);
      }
      hunk.lines[hunk.lines.length - 1] = last.subarray(1);
      i++;
      if (i < lines.length && latin1.decode(lines[i]) === "a") {
        for (i++;;) {
          if (i >= lines.length) throw new PatchError("inserted text not terminated by '.'");
          const line = lines[i++];
          if (line.length === 1 && line[0] === 0x2e) break;
          hunk.lines.push(line);
        }
      }
    }
  }
  return commands.reverse();
}

/**
 * A stream stage that applies one patch: old file bytes in, new file bytes
 * out. Fails (errors the stream) when the patch names lines the file does
 * not have.
 */
export function patchStream(hunks: readonly Hunk[]): TransformStream<Uint8Array, Uint8Array> {
  let line = 1; // number of the line whose first byte comes next
  let midLine = false;
  let next = 0; // first hunk not yet applied
  let deleteThrough = 0;
  const newline = new Uint8Array([NEWLINE]);

  /** Writes the text of every hunk that starts at `line`. */
  const insertAt = (controller: TransformStreamDefaultController<Uint8Array>) => {
    while (next < hunks.length && hunks[next].first === line) {
      const hunk = hunks[next++];
      for (const text of hunk.lines) {
        controller.enqueue(text);
        controller.enqueue(newline);
      }
      if (hunk.last >= hunk.first) deleteThrough = hunk.last;
    }
  };

  return new TransformStream({
    transform(chunk, controller) {
      let pos = 0;
      let run = 0; // start of the bytes being copied unchanged
      while (pos < chunk.length) {
        if (!midLine && next < hunks.length && hunks[next].first === line) {
          if (pos > run) controller.enqueue(chunk.subarray(run, pos));
          insertAt(controller);
          run = pos;
        }
        const nl = chunk.indexOf(NEWLINE, pos);
        const end = nl < 0 ? chunk.length : nl + 1;
        if (line <= deleteThrough) {
          if (pos > run) controller.enqueue(chunk.subarray(run, pos));
          run = end;
        }
        pos = end;
        if (nl < 0) midLine = true;
        else {
          midLine = false;
          line++;
        }
      }
      if (pos > run) controller.enqueue(chunk.subarray(run, pos));
    },
    flush(controller) {
      if (midLine) {
        line++; // a last line without "\n": text appended after it starts on a line of its own
        const copied = line - 1 > deleteThrough;
        if (copied && next < hunks.length && hunks[next].first === line) {
          controller.enqueue(newline);
        }
      }
      insertAt(controller);
      if (next < hunks.length || deleteThrough >= line) {
        throw new PatchError(
          `patch refers to line ${
            next < hunks.length ? hunks[next].first : deleteThrough
          } but the file has ${line - 1}`,
        );
      }
    },
  });
}

/** Applies patches one after another to a stream of the old file. */
export function applyPatches(
  input: ReadableStream<Uint8Array>,
  patches: readonly (readonly Hunk[])[],
): ReadableStream<Uint8Array> {
  return patches.reduce((stream, hunks) => stream.pipeThrough(patchStream(hunks)), input);
}
