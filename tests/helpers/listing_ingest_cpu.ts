/**
 * Reads a synthetic Packages (30,000 stanzas) into a fresh database, with
 * the listing worker or on this thread, in a process of its own: its main
 * thread is the one JavaScript runs on (the test runner may run several
 * test modules' threads in one process). Prints, as JSON, the CPU ticks the
 * main thread used meanwhile, each thread's nice value while it ran, and
 * the ingest's result.
 *
 *   deno run -A tests/helpers/listing_ingest_cpu.ts worker|inline
 */

import { ArchiveIndex, ListingWorker } from "../../src/apt/mod.ts";
import { DATABASE_FILE, openDatabase } from "../../src/db/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { writeSyntheticPackages } from "../../scripts/bench/synthetic_packages.ts";

/** Each thread of this process: its id, nice value and CPU time so far in clock ticks. */
function threads(): { tid: number; nice: number; cpu: number }[] {
  return [...Deno.readDirSync(`/proc/self/task`)].map(({ name }) => {
    const line = Deno.readTextFileSync(`/proc/self/task/${name}/stat`);
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    return {
      tid: Number(name),
      nice: Number(fields[16]),
      cpu: Number(fields[11]) + Number(fields[12]),
    };
  });
}

const mode = Deno.args[0];
const dir = await Deno.makeTempDir();
try {
  const db = openDatabase(`${dir}/${DATABASE_FILE}`);
  const worker = mode === "worker" ? new ListingWorker(`${dir}/${DATABASE_FILE}`) : undefined;
  const index = new ArchiveIndex(db, new Logger("error"), Date.now, { listingWorker: worker });
  const { xz } = await writeSyntheticPackages(dir, 30_000, { xzLevel: 0 });
  const cpu = () => threads().find((t) => t.tid === Deno.pid)!.cpu;
  const before = cpu();
  let seen: ReturnType<typeof threads> = [];
  const watch = setTimeout(() => seen = threads(), 150);
  const result = await index.ingest("m.example/debian/dists/s/main/binary-amd64/Packages.xz", xz);
  clearTimeout(watch);
  const ticks = cpu() - before;
  worker?.stop();
  db.close();
  console.log(
    JSON.stringify({ ticks, seen, mainNice: seen.find((t) => t.tid === Deno.pid)?.nice, result }),
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
