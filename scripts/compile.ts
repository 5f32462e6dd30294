/**
 * `deno task compile`: builds dist/apt-dht, one executable with the
 * daemon's permissions and the `net` unstable feature (the DHT's UDP)
 * baked in.
 *
 * `deno compile` needs `denort`, Deno's slim runtime, as the base of the
 * executable, and normally downloads it. Where that is impossible, give it
 * one: DENORT_BIN=/path/to/denort deno task compile. A denort already in
 * Deno's cache (from an earlier online compile) is used as well.
 */

import { V8_FLAGS_ARG } from "./v8_flags.ts";

const target = Deno.build.target;
const version = Deno.version.deno;
const output = Deno.args[0] ?? "dist/apt-dht";

function denoDir(): string {
  const info = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  })
    .outputSync();
  return JSON.parse(new TextDecoder().decode(info.stdout)).denoDir;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const denort = Deno.env.get("DENORT_BIN");
const cached = `${denoDir()}/dl/release/v${version}/denort-${target}.zip`;
if (denort !== undefined && !exists(denort)) {
  console.error(
    `compile: DENORT_BIN=${denort} is not a file. Point it at the denort ${version} binary for ${target}.`,
  );
  Deno.exit(1);
}
if (denort === undefined && !exists(cached)) {
  console.error(
    `compile: cannot build ${output}: deno compile needs denort ${version} for ${target}, and none is available.
  It is not in Deno's cache (${cached}), and it cannot be downloaded from here.
  Provide it and run again:
    DENORT_BIN=/path/to/denort deno task compile
  (denort-${target}.zip is published with each Deno release; unzip it to get the binary.)`,
  );
  Deno.exit(1);
}

await Deno.mkdir(output.slice(0, output.lastIndexOf("/")) || ".", { recursive: true });
const args = [
  "compile",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
  "--allow-run=/usr/bin/xz", // index decompression in the system's xz
  "--unstable-net",
  V8_FLAGS_ARG, // kept in the executable: it starts with them
  "--no-check",
  // The listing worker's module, which the executable starts as a Worker (it is in the module
  // graph already; included by name so no analysis can leave it out).
  "--include",
  new URL("../src/apt/ingest/worker.ts", import.meta.url).pathname,
  "--output",
  output,
  new URL("../main.ts", import.meta.url).pathname,
];
console.error(`compile: deno ${args.join(" ")}${denort ? ` (DENORT_BIN=${denort})` : ""}`);
const { code } = await new Deno.Command(Deno.execPath(), {
  args,
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code);
