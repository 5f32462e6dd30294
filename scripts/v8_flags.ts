/**
 * V8's settings for the daemon, wherever it is started: `deno task start`,
 * the compiled executable, the bundle's launcher, and the tests' and
 * benchmarks' daemons (which measure what ships).
 *
 * A semi-space of 1 MiB instead of V8's 16 MiB: under a flood of cache hits
 * the young generation otherwise grows to its largest and the heap with it
 * (peak 173–188 MB resident against 141–147 MB, at the same hits per second;
 * the real index's ingest takes as long and peaks 14 MiB lower).
 */
export const V8_FLAGS = ["--max-semi-space-size=1"] as const;

/** The command-line form, for `deno run` and `deno compile`. */
export const V8_FLAGS_ARG = `--v8-flags=${V8_FLAGS.join(",")}`;
