/**
 * A small levelled logger writing one line per event to stderr, where
 * journald picks it up: `2026-01-01T00:00:00.000Z INFO event key=value`.
 *
 * @module
 */

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Details attached to a log line, rendered as `key=value`. */
export type LogFields = Record<string, unknown>;

/** Where finished lines go; tests pass an array's `push`. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();

/** sd-daemon(3) priorities, by the level word of a line. */
const JOURNAL_PRIORITY: Record<string, string> = {
  DEBUG: "<7>",
  INFO: "<6>",
  WARN: "<4>",
  ERROR: "<3>",
};

/** Whether stderr goes to the journal (systemd sets JOURNAL_STREAM for services that log there). */
function toJournal(): boolean {
  try {
    return Deno.env.get("JOURNAL_STREAM") !== undefined;
  } catch {
    return false; // no env permission: plain lines
  }
}

const journal = toJournal();

/**
 * Writes a line to stderr synchronously, so nothing is lost on exit; to
 * the journal with its priority first (`<4>`…), so `journalctl -p warning`
 * shows the warnings and errors.
 */
export const stderrSink: LogSink = (line) => {
  const priority = journal ? JOURNAL_PRIORITY[line.split(" ", 2)[1]] ?? "" : "";
  Deno.stderr.writeSync(encoder.encode(priority + line + "\n"));
};

/** Renders one value: bare when safe, JSON-quoted when it has spaces or quotes. */
function formatValue(value: unknown): string {
  if (value instanceof Error) return formatValue(value.message);
  const text = typeof value === "string" ? value : String(value);
  return /^[^\s"=]*$/.test(text) && text !== "" ? text : JSON.stringify(text);
}

/** The level a logger and all its children share, so a reload changes them all. */
interface SharedLevel {
  level: LogLevel;
  rank: number;
}

/** A logger with a minimum level; `child()` adds fixed fields to every line. */
export class Logger {
  readonly #shared: SharedLevel;

  constructor(
    level: LogLevel = "info",
    private readonly sink: LogSink = stderrSink,
    private readonly fixed: LogFields = {},
    private readonly now: () => Date = () => new Date(),
    shared?: SharedLevel,
  ) {
    this.#shared = shared ?? { level, rank: LOG_LEVELS.indexOf(level) };
  }

  get level(): LogLevel {
    return this.#shared.level;
  }

  /** Changes the level of this logger, its parent and all their children. */
  setLevel(level: LogLevel): void {
    this.#shared.level = level;
    this.#shared.rank = LOG_LEVELS.indexOf(level);
  }

  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger {
    return new Logger(this.level, this.sink, { ...this.fixed, ...fields }, this.now, this.#shared);
  }

  /** True when lines at `level` would be written (skip building costly fields). */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.#shared.rank;
  }

  debug(event: string, fields?: LogFields): void {
    this.#write("debug", event, fields);
  }
  info(event: string, fields?: LogFields): void {
    this.#write("info", event, fields);
  }
  warn(event: string, fields?: LogFields): void {
    this.#write("warn", event, fields);
  }
  error(event: string, fields?: LogFields): void {
    this.#write("error", event, fields);
  }

  #write(level: LogLevel, event: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    let line = `${this.now().toISOString()} ${level.toUpperCase()} ${event}`;
    for (const [key, value] of Object.entries({ ...this.fixed, ...fields })) {
      if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
    }
    this.sink(line);
  }
}
