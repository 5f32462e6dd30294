/**
 * Shared bits of the benchmark scripts: medians and the results files
 * under bench-results/ (git-ignored).
 *
 * @module
 */

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0–100) of a non-empty list, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Writes `bench-results/<name>.json` with the machine and date, and says where. */
export async function writeResults(name: string, figures: Record<string, unknown>): Promise<void> {
  await Deno.mkdir("bench-results", { recursive: true });
  const path = `bench-results/${name}.json`;
  const record = {
    benchmark: name,
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    ...figures,
  };
  await Deno.writeTextFile(path, JSON.stringify(record, null, 2) + "\n");
  console.log(`figures written to ${path}`);
}

/** Stops the servers a benchmark started (SIGTERM, then waits), whichever are still running. */
export async function stopAll(children: readonly Deno.ChildProcess[]): Promise<void> {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
      await child.status;
    } catch { /* gone */ }
  }
}

/** Starts a process's peak memory (VmHWM) afresh from its resident memory now (as root). */
export async function resetPeakMemory(pid: number): Promise<void> {
  const { success } = await new Deno.Command("sh", {
    args: ["-c", `echo 5 > /proc/${pid}/clear_refs`],
  }).output();
  if (!success) throw new Error(`cannot reset the peak memory of ${pid} (needs root)`);
}

/** A process's resident memory now and at its peak (VmRSS, VmHWM), in MB. */
export async function processMemory(pid: number): Promise<{ rss_mb: number; peak_mb: number }> {
  // Through cat: Deno reads /proc only with every permission.
  const output = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  const status = new TextDecoder().decode(output.stdout);
  const mb = (field: string) =>
    Math.round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) / 1024);
  return { rss_mb: mb("VmRSS"), peak_mb: mb("VmHWM") };
}
