/**
 * What the load benchmarks share: free ports, waiting for a server to
 * answer, the tools they install, and one `wrk` run read into figures.
 *
 * @module
 */

/** Whether `command` is on the PATH. */
async function have(command: string): Promise<boolean> {
  const which = await new Deno.Command("sh", { args: ["-c", `command -v ${command}`] }).output();
  return which.success;
}

/**
 * Installs the Debian packages of the commands that are missing (as root),
 * `tools` mapping a command to its package. apt-cacher-ng's own service is
 * stopped: the benchmarks run their own.
 */
export async function ensureTools(tools: Record<string, string>): Promise<void> {
  const missing = [];
  for (const [command, pkg] of Object.entries(tools)) if (!await have(command)) missing.push(pkg);
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(" ")}`);
  const install = await new Deno.Command("apt-get", {
    args: ["install", "-y", "-qq", "--no-install-recommends", ...missing],
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).output();
  if (!install.success) throw new Error(`apt-get install ${missing.join(" ")} failed`);
  await new Deno.Command("sh", { args: ["-c", "systemctl stop apt-cacher-ng 2>/dev/null; true"] })
    .output();
}

/** A free TCP port on 127.0.0.1; `below` 32768 for apt-cacher-ng, which keeps ports signed. */
export function freePort(below = 65536): number {
  for (let i = 0; i < 100; i++) {
    const port = below < 65536 ? 20000 + Math.floor(Math.random() * (below - 20000)) : 0;
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      const bound = (listener.addr as Deno.NetAddr).port;
      listener.close();
      return bound;
    } catch { /* taken: another */ }
  }
  throw new Error("no free port");
}

/** Resolves once `url` answers 200; kills `child` and throws after 10 s. */
export async function untilAnswers(url: string, child?: Deno.ChildProcess): Promise<void> {
  let last = "";
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(url);
      const text = await response.text();
      last = `${response.status} ${/<title>(.*?)<\/title>/.exec(text)?.[1] ?? text.slice(0, 200)}`;
      if (response.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child?.kill("SIGKILL");
  throw new Error(`${url} never answered 200: ${last}`);
}

/**
 * Starts apt-cacher-ng with its state under `dir`, on 127.0.0.1:`port`
 * (below 32768: it keeps ports in a signed 16-bit number) with the
 * distribution's backends, and resolves once it accepts connections (it
 * answers its report page only when configured to).
 */
export async function startAptCacherNg(dir: string, port: number): Promise<Deno.ChildProcess> {
  await Deno.mkdir(`${dir}/cache`, { recursive: true });
  await Deno.mkdir(`${dir}/log`, { recursive: true });
  for await (const entry of Deno.readDir("/etc/apt-cacher-ng")) {
    if (entry.name.startsWith("backends_")) {
      await Deno.copyFile(`/etc/apt-cacher-ng/${entry.name}`, `${dir}/${entry.name}`);
    }
  }
  await Deno.writeTextFile(
    `${dir}/acng.conf`,
    `CacheDir: ${dir}/cache\nLogDir: ${dir}/log\nPort: ${port}\nBindAddress: 127.0.0.1\n` +
      "Foreground: 1\nAllowUserPorts: 0\n",
  );
  const child = new Deno.Command("apt-cacher-ng", {
    args: ["-c", dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0;; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return child;
    } catch (error) {
      if (i === 100) {
        child.kill("SIGKILL");
        throw error;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Starts nginx with its state under `dir`, serving the `server { … }`
 * blocks given, with sendfile and without access logs; `workers` is
 * nginx's worker_processes ("auto": one per core).
 */
export async function startNginx(
  dir: string,
  servers: string,
  workers: number | "auto" = "auto",
): Promise<Deno.ChildProcess> {
  await Deno.mkdir(`${dir}/logs`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    // Workers as root when we are: the daemon's cache directory is ours alone (0700).
    `${Deno.uid() === 0 ? "user root;\n" : ""}worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${servers}
}
`,
  );
  return new Deno.Command("nginx", {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

/** What one wrk run measured. */
export interface WrkFigures {
  readonly requests_per_second: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
}

/** One `wrk --latency` run; throws when any answer was not 2xx or 3xx. */
export async function wrk(
  url: string,
  { connections, seconds, threads = 2 }: { connections: number; seconds: number; threads?: number },
): Promise<WrkFigures> {
  const output = await new Deno.Command("wrk", {
    args: [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  const ms = (pattern: RegExp) => {
    const match = pattern.exec(text);
    if (!match) return NaN;
    const unit = match[2];
    return Number(match[1]) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : 1);
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (errors) throw new Error(`${url}: ${errors[1]} non-2xx answers under load`);
  return {
    requests_per_second: number(/Requests\/sec:\s+([\d.]+)/),
    p50_ms: ms(/50%\s+([\d.]+)(us|ms|s)/),
    p99_ms: ms(/99%\s+([\d.]+)(us|ms|s)/),
  };
}
