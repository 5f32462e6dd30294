/**
 * A LAN made of network namespaces: a bridge in a namespace of its own and
 * one namespace per host, each joined to the bridge by a veth pair and
 * given 10.77.0.<i+1>/24 (or fd77::<i+1>/64) and its IPv6 link-local address. Multicast
 * stays on these interfaces. Needs root and `ip netns`; `lanSkipReason`
 * says why a test cannot make one.
 */

import { waitForChange } from "../../src/util/change_signal.ts";

/** One host on the LAN. */
export interface LanHost {
  /** The namespace's name. */
  readonly ns: string;
  /** Its IPv4 address on the LAN. */
  readonly address: string;
  /** `ip netns exec <ns>`, to put in front of a command. */
  readonly exec: string[];
}

/** A process started in a namespace, its output collected. */
export interface LanProcess extends AsyncDisposable {
  readonly child: Deno.ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches; fails after `ms` or when the process ends first. */
  until(pattern: RegExp, ms?: number): Promise<void>;
  /** SIGKILL, and the output drained. */
  kill(): Promise<void>;
}

export interface Lan extends AsyncDisposable {
  readonly hosts: readonly LanHost[];
  /** Starts `cmd args` in `host`'s namespace; killed with the LAN. */
  spawn(host: LanHost, cmd: string, args: string[], env?: Record<string, string>): LanProcess;
  /** Runs `cmd args` in `host`'s namespace to its end. */
  run(host: LanHost, cmd: string, args: string[]): Promise<{ code: number; output: string }>;
}

const ip = (...args: string[]) =>
  new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();

/** Why namespaces cannot be made here (not root, no `ip netns`), or undefined when they can. */
export function lanSkipReason(): string | undefined {
  if (Deno.uid() !== 0) return "network namespaces need root";
  const name = `adht-probe-${Deno.pid}`;
  try {
    const add = new Deno.Command("ip", { args: ["netns", "add", name], stderr: "piped" })
      .outputSync();
    if (!add.success) return `ip netns add failed: ${new TextDecoder().decode(add.stderr).trim()}`;
    new Deno.Command("ip", { args: ["netns", "del", name] }).outputSync();
    return undefined;
  } catch (error) {
    return `no ip command: ${(error as Error).message}`;
  }
}

/**
 * Makes a LAN of `count` hosts; with `ipv6Only`, each host has fd77::<i+1>/64
 * (a unique local address) and no IPv4 address on the LAN.
 */
export async function startLan(count: number, options: { ipv6Only?: boolean } = {}): Promise<Lan> {
  const tag = `${(Deno.pid % 0xffff).toString(16)}${
    Math.floor(Math.random() * 0xff).toString(16).padStart(2, "0")
  }`;
  const bridgeNs = `adht-${tag}-br`;
  const made: string[] = [];
  const processes = new Set<LanProcess>();
  const must = async (...args: string[]) => {
    const result = await ip(...args);
    if (!result.success) {
      throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
    }
  };
  const cleanup = async () => {
    for (const process of processes) await process.kill();
    for (const ns of made.reverse()) await ip("netns", "del", ns);
  };
  const hosts: LanHost[] = [];
  try {
    await must("netns", "add", bridgeNs);
    made.push(bridgeNs);
    await must("-n", bridgeNs, "link", "add", "br0", "type", "bridge");
    await must("-n", bridgeNs, "link", "set", "br0", "up");
    for (let i = 0; i < count; i++) {
      const ns = `adht-${tag}-${i}`;
      await must("netns", "add", ns);
      made.push(ns);
      const [inner, outer] = [`av${tag}${i}`, `ap${tag}${i}`];
      await must("link", "add", inner, "type", "veth", "peer", "name", outer);
      await must("link", "set", inner, "netns", ns);
      await must("link", "set", outer, "netns", bridgeNs);
      await must("-n", bridgeNs, "link", "set", outer, "master", "br0", "up");
      await must("-n", ns, "link", "set", inner, "name", "eth0");
      const address = options.ipv6Only ? `fd77::${i + 1}` : `10.77.0.${i + 1}`;
      await must(
        "-n",
        ns,
        "addr",
        "add",
        ...(options.ipv6Only ? [`${address}/64`, "nodad"] : [`${address}/24`]),
        "dev",
        "eth0",
      );
      await must("-n", ns, "link", "set", "eth0", "up");
      await must("-n", ns, "link", "set", "lo", "up");
      hosts.push({ ns, address, exec: ["ip", "netns", "exec", ns] });
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    hosts,
    spawn(host, cmd, args, env = {}) {
      const process = spawnIn(host, cmd, args, env);
      processes.add(process);
      return process;
    },
    async run(host, cmd, args) {
      const result = await new Deno.Command("ip", {
        args: ["netns", "exec", host.ns, cmd, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      return { code: result.code, output: text.decode(result.stdout) + text.decode(result.stderr) };
    },
    [Symbol.asyncDispose]: cleanup,
  };
}

function spawnIn(
  host: LanHost,
  cmd: string,
  args: string[],
  env: Record<string, string>,
): LanProcess {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", host.ns, cmd, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  let ended = false;
  const changed = waitForChange();
  const read = (stream: ReadableStream<Uint8Array>) =>
    (async () => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        output += text;
        changed.notify();
      }
    })().catch(() => {});
  const drained = Promise.all([read(child.stdout), read(child.stderr)]).finally(() => {
    ended = true;
    changed.notify();
  });
  const kill = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await drained;
    await child.status;
  };
  return {
    child,
    output: () => output,
    async until(pattern, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(output)) {
        if (ended) throw new Error(`${cmd} ended before ${pattern}:\n${output}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${pattern} in ${ms} ms:\n${output.slice(-4000)}`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([changed.wait(), new Promise((r) => timer = setTimeout(r, left))]);
        clearTimeout(timer);
      }
    },
    kill,
    [Symbol.asyncDispose]: kill,
  };
}
