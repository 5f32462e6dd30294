/**
 * The members of a large JSON object, one at a time, from a stream of its
 * text: the security tracker's list is tens of megabytes, and parsing it
 * whole would hold several times that in memory. Each member's value is
 * parsed on its own with `JSON.parse`, which also checks it.
 *
 * @module
 */

/** A member of the top-level object that is malformed JSON. */
export class JsonMembersError extends Error {
  override name = "JsonMembersError";
}

type State = "start" | "key" | "colon" | "value" | "end";

/** A member's value text larger than this is refused (no package's entry comes near it). */
const MAX_MEMBER_CHARS = 64 * 1024 * 1024;

/** Yields `[key, value]` for each member of the object the text holds. */
export async function* jsonMembers(
  text: AsyncIterable<string>,
): AsyncGenerator<[string, unknown]> {
  let state = "start" as State;
  let buffer = ""; // the key's or value's text so far
  let depth = 0;
  let inString = false;
  let escaped = false;
  let key = "";
  for await (const chunk of text) {
    let from = 0; // where the part of the chunk that belongs to `buffer` starts
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') {
          inString = false;
          if (state === "key") {
            key = JSON.parse(buffer + chunk.slice(from, i + 1));
            buffer = "";
            state = "colon";
          }
        }
        continue;
      }
      if (state === "value") {
        if (c === '"') inString = true;
        else if (c === "{" || c === "[") depth++;
        else if (c === "}" || c === "]" || (c === "," && depth === 0)) {
          if (depth > 0) {
            depth--;
            continue;
          }
          if (c === "]") throw new JsonMembersError("unbalanced ]");
          const value = (buffer + chunk.slice(from, i)).trim();
          buffer = "";
          if (value.length > MAX_MEMBER_CHARS) throw new JsonMembersError(`"${key}" is too large`);
          yield [key, parseValue(key, value)];
          state = c === "," ? "key" : "end";
        }
        continue;
      }
      if (/\s/.test(c)) continue;
      if (state === "start" && c === "{") state = "key";
      else if (state === "key" && c === "}") state = "end"; // the empty object
      else if (state === "key" && c === '"') {
        inString = true;
        from = i;
        buffer = "";
      } else if (state === "colon" && c === ":") {
        state = "value";
        from = i + 1;
      } else throw new JsonMembersError(`unexpected "${c}" ${where(state)}`);
    }
    if (state === "value" || state === "key" && inString) {
      buffer += chunk.slice(from);
      if (buffer.length > MAX_MEMBER_CHARS) throw new JsonMembersError(`"${key}" is too large`);
    }
  }
  if ((state as State) !== "end") {
    throw new JsonMembersError("the text ends before the object does");
  }
}

function parseValue(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonMembersError(`"${key}": ${(error as Error).message}`);
  }
}

function where(state: string): string {
  return state === "start"
    ? "before the object"
    : state === "end"
    ? "after the object"
    : `at a ${state}`;
}
