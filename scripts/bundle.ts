/**
 * `deno task bundle`: builds dist/apt-dht.js, the whole program (npm
 * packages included) in one JavaScript file. It needs no source tree, no
 * npm and no writable home at run time:
 *
 *   deno run --cached-only --no-remote --no-npm $(BUNDLE_RUN_FLAGS) dist/apt-dht.js run
 *
 * Usage: deno run -A scripts/bundle.ts [output]   (default dist/apt-dht.js)
 */

import { V8_FLAGS_ARG } from "./v8_flags.ts";

/** What the bundle must be run with: the daemon's permissions, the DHT's UDP, V8's settings. */
export const BUNDLE_RUN_FLAGS = [
  V8_FLAGS_ARG,
  "--cached-only",
  "--no-remote",
  "--no-npm",
  "--no-config",
  "--unstable-net",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
  "--allow-run=/usr/bin/xz", // index decompression in the system's xz
] as const;

/** Bundles main.ts into `output`; throws with deno's message when it fails. */
export async function bundle(output: string): Promise<void> {
  await Deno.mkdir(output.slice(0, output.lastIndexOf("/")) || ".", { recursive: true });
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "--config",
      new URL("../deno.json", import.meta.url).pathname,
      "--output",
      output,
      new URL("../main.ts", import.meta.url).pathname,
    ],
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
}

if (import.meta.main) {
  const output = Deno.args[0] ?? "dist/apt-dht.js";
  await bundle(output);
  const size = (await Deno.stat(output)).size;
  console.error(`bundle: ${output} (${(size / 1024).toFixed(0)} KiB); run it with
  deno run ${BUNDLE_RUN_FLAGS.join(" ")} ${output} run`);
}
