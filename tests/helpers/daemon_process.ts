/**
 * A daemon run as a process of its own (the CLI, the bundle, the packaged
 * binary): its log collected as it comes, its port read from the
 * `daemon.started` line, and real apt run through it.
 */

import assert from "node:assert/strict";
import { waitForChange } from "../../src/util/change_signal.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { createAptRoot } from "./apt.ts";
import { sha256File } from "./archive.ts";
import type { DebianRepo } from "./debian_repo.ts";
import type { MirrorServer } from "./mirror_server.ts";

export interface DaemonProcess extends AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly port: number;
  /** Everything it has logged so far. */
  log(): string;
  /** Resolves once the log matches; fails after `ms`, or when the process ends first. */
  until(pattern: RegExp, ms?: number): Promise<void>;
  /** SIGTERM; the exit code, once the whole log is in. */
  stop(): Promise<number>;
}

const LISTENING = /listen=127\.0\.0\.1:(\d+)/;
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Deno's arguments that run main.ts with apt-dht's `args`, as the daemon's unit would. */
export function cliArgs(...args: string[]): string[] {
  return ["run", "--quiet", "-P=daemon", V8_FLAGS_ARG, MAIN, ...args];
}

/** apt-dht with `args` as a process of its own: no colour, output piped. */
export function cliCommand(args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: cliArgs(...args),
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

/** apt-dht with `args` run to its end: exit code and both outputs as text. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await cliCommand(args, env).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** The cache under `dir/cache` and the state under `dir/state` (or `state`). */
export function dirArgs(dir: string, state = `${dir}/state`): string[] {
  return ["--cache-dir", `${dir}/cache`, "--state-dir", state];
}

/**
 * apt-dht's arguments for `run` on `listen` (127.0.0.1) and `port` (a free
 * one), its cache and state under `dir`, then `extra` (for main.ts, the
 * bundle or the binary).
 */
export function runArgs(
  dir: string,
  { listen = "127.0.0.1", port = 0, state = `${dir}/state`, extra = [] as readonly string[] } = {},
): string[] {
  return ["run", "--listen", listen, "--port", String(port), ...dirArgs(dir, state), ...extra];
}

/** {@link runArgs} on 127.0.0.1 and a free port, then `extra`. */
export function localRunArgs(dir: string, ...extra: string[]): string[] {
  return runArgs(dir, { extra });
}

/** Deno's arguments for main.ts with {@link localRunArgs}. */
export function daemonRunArgs(dir: string, ...extra: string[]): string[] {
  return cliArgs(...localRunArgs(dir, ...extra));
}

/** The daemon's command for {@link spawnDaemon}: {@link daemonRunArgs}, no colour, output piped. */
export function daemonCommand(
  dir: string,
  options: { extra?: string[]; env?: Record<string, string> } = {},
): Deno.Command {
  return cliCommand(localRunArgs(dir, ...(options.extra ?? [])), options.env);
}

/** Starts `command` (its stderr piped) and waits until it listens on 127.0.0.1. */
export async function spawnDaemon(command: Deno.Command): Promise<DaemonProcess> {
  const child = command.spawn();
  try {
    child.stdout.cancel(); // unread: it must never fill and block the daemon
  } catch { /* stdout not piped */ }
  let log = "";
  let ended = false;
  const changed = waitForChange();
  const drained = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      log += text;
      changed.notify();
    }
  })().catch(() => {}).finally(() => {
    ended = true;
    changed.notify();
  });
  const until = async (pattern: RegExp, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!pattern.test(log)) {
      if (ended) throw new Error(`exited before ${pattern}: ${log}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${pattern} in ${ms} ms: ${log}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([changed.wait(), new Promise((r) => timer = setTimeout(r, left))]);
      clearTimeout(timer);
    }
  };
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
  };
  try {
    await until(LISTENING);
  } catch (error) {
    kill("SIGKILL");
    await drained;
    throw error;
  }
  return {
    child,
    port: Number(LISTENING.exec(log)![1]),
    log: () => log,
    until,
    async stop() {
      kill("SIGTERM");
      const { code } = await child.status;
      await drained;
      return code;
    },
    async [Symbol.asyncDispose]() {
      kill("SIGKILL");
      await drained;
    },
  };
}

/** Real apt through the daemon at `port`: update, download `name`, and the bytes are the package's. */
export async function aptDownloadsThrough(
  port: number,
  repo: DebianRepo,
  mirror: MirrorServer,
  name: string,
): Promise<void> {
  const apt = await createAptRoot(repo.sourceLine(`http://127.0.0.1:${port}/${mirror.authority}`));
  try {
    await apt.update();
    const download = await apt.aptGet(["download", name]);
    assert.equal(download.code, 0, download.output);
    assert.equal(
      await sha256File(`${apt.downloads}/${name}_1.0-1_all.deb`),
      repo.debs.get(name)!.sha256,
    );
  } finally {
    await apt.cleanup();
  }
}
